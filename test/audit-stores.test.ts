import type { AuditStore } from '../packages/keywarden/src/stores/audit-types.js'
import { type CachedStore, cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { describeAuditStore } from '../packages/keywarden/src/testing/index.js'
import { type EngineName, freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajor, redisMajors, serviceSkip, uniqueName } from './support/services.js'

// The AuditStore contract (keywarden/testing) on every store that keeps an audit log.
describeAuditStore('memory', () => memoryStore())

for (const engine of ['sqlite-file', 'sqlite-memory', 'postgres', 'mysql'] as EngineName[]) {
  const place = freshPlace(engine, 'kwaudit')
  const skip = place.service ? await serviceSkip(place.service) : false
  describeAuditStore(engine, () => sqlStore({ url: place.url }, place.options), {
    skip,
    cleanup: () => place.cleanup(),
  })
}

const redisSkip = await serviceSkip('redis')
for (const major of redisMajors) {
  const namespace = uniqueName('kwaudit')
  const client = major.client()
  describeAuditStore(`redis (client, ${major.name})`, () => redisStore({ client, namespace }), {
    skip: redisSkip,
    cleanup: async () => {
      await deleteNamespace(client, namespace)
      await client.quit()
    },
  })
}
const urlNamespace = uniqueName('kwaudit')
describeAuditStore('redis (url)', () => redisStore({ url: REDIS_URL, namespace: urlNamespace }), {
  skip: redisSkip,
  cleanup: async () => {
    const client = redisMajor('ioredis 5').client()
    await deleteNamespace(client, urlNamespace)
    await client.quit()
  },
})

// cachedStore has the audit methods exactly when its primary has them.
const audited = (store: CachedStore) => store as CachedStore & AuditStore
describeAuditStore('cached over memory', () => audited(cachedStore({ primary: memoryStore() })))
const cachedPlace = freshPlace('sqlite-file', 'kwaudit')
describeAuditStore(
  'cached over sqlite',
  () => audited(cachedStore({ primary: sqlStore({ url: cachedPlace.url }, cachedPlace.options) })),
  { cleanup: () => cachedPlace.cleanup() },
)
const cachedPg = freshPlace('postgres', 'kwaudit')
describeAuditStore(
  'cached over postgres',
  () => audited(cachedStore({ primary: sqlStore({ url: cachedPg.url }, cachedPg.options) })),
  { skip: await serviceSkip('postgres'), cleanup: () => cachedPg.cleanup() },
)
