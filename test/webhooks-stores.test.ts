import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { WebhookStore } from '../packages/keywarden/src/webhooks/index.js'
import { type EngineName, freshPlace } from './sql-procs/engines.js'
import { serviceSkip } from './support/services.js'
import { describeWebhookStore } from './webhooks-contract.js'

const shared = memoryStore()
describeWebhookStore('memory', () => ({ ...shared, close: async () => {} }))
// cachedStore hands the outbox to its primary unchanged.
const primary = memoryStore()
describeWebhookStore('cached over memory', () => {
  const cached = cachedStore({ primary, ttlMs: 1000 })
  return Object.assign(cached as unknown as WebhookStore, { close: async () => {} })
})

for (const engine of ['sqlite-file', 'postgres', 'mysql'] as EngineName[]) {
  const place = freshPlace(engine, 'kwhook')
  const skip = place.service ? await serviceSkip(place.service) : false
  describeWebhookStore(engine, () => sqlStore({ url: place.url }, place.options), {
    skip,
    cleanup: () => place.cleanup(),
    connections: engine === 'sqlite-file' ? 1 : 6,
  })
}
