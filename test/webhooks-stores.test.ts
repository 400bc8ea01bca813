import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { WebhookStore } from '../packages/keywarden/src/webhooks/index.js'
import { type EngineName, freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajor, redisMajors, serviceSkip, uniqueName } from './support/services.js'
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

// Redis: each { url } store opens its own connection, so the concurrent leases race on six of them.
const redisSkip = await serviceSkip('redis')
const dropNamespace = (namespace: string) => async () => {
  const client = redisMajor('ioredis 5').client()
  await deleteNamespace(client, namespace)
  await client.quit()
}
const urlSpace = uniqueName('kwhook')
describeWebhookStore('redis (url)', () => redisStore({ url: REDIS_URL, namespace: urlSpace }), {
  skip: redisSkip,
  cleanup: dropNamespace(urlSpace),
})
// A client of each ioredis major (and RESP3 reply mapping), one connection per store.
for (const major of redisMajors) {
  const namespace = uniqueName('kwhook')
  describeWebhookStore(
    `redis (client, ${major.name})`,
    () => {
      const client = major.client()
      const store = redisStore({ client, namespace })
      return Object.assign(store, { close: async () => void (await client.quit()) })
    },
    { skip: redisSkip, cleanup: dropNamespace(namespace) },
  )
}
