import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'
import { describeKeyStore } from '../packages/keywarden/src/testing/index.js'
import { freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { type RedisMajor, redisMajors, serviceSkip, uniqueName } from './support/services.js'

const redisSkip = await serviceSkip('redis')
const postgresSkip = await serviceSkip('postgres')

/** A Redis tier (and invalidation channel) of its own on clients of one ioredis major, removed after the suite. */
function redisTier(major: RedisMajor) {
  const namespace = uniqueName('kwcache')
  const client = major.client()
  const bus = major.client()
  return {
    options: {
      cache: redisStore({ client, namespace }),
      invalidation: { redis: bus, channel: `${namespace}:invalidate` },
      onError: (error: unknown) => {
        throw error
      },
    },
    async cleanup() {
      await deleteNamespace(client, namespace)
      await Promise.all([client.quit(), bus.quit()])
    },
  }
}

const primaries: Array<{
  name: string
  skip: string | false
  open: () => { store: KeyStore; cleanup: () => Promise<void> }
}> = [
  { name: 'memory', skip: false, open: () => ({ store: memoryStore(), cleanup: async () => {} }) },
  {
    name: 'sqlite',
    skip: false,
    open: () => {
      const place = freshPlace('sqlite-file', 'kwcached')
      return { store: sqlStore({ url: place.url }, place.options), cleanup: () => place.cleanup() }
    },
  },
  {
    name: 'postgres',
    skip: postgresSkip,
    open: () => {
      const place = freshPlace('postgres', 'kwcached')
      return { store: sqlStore({ url: place.url }, place.options), cleanup: () => place.cleanup() }
    },
  },
]

for (const { name, skip, open } of primaries) {
  let primaryCleanup: (() => Promise<void>) | undefined
  describeKeyStore(
    `cached over ${name}, local tier only`,
    () => {
      const { store, cleanup } = open()
      primaryCleanup = cleanup
      return cachedStore({ primary: store, ttlMs: 60_000, negativeTtlMs: 60_000 })
    },
    { skip, cleanup: () => primaryCleanup?.() },
  )

  for (const major of redisMajors) {
    let tierCleanup: (() => Promise<void>) | undefined
    let primaryCleanup2: (() => Promise<void>) | undefined
    describeKeyStore(
      `cached over ${name}, local + Redis tier + invalidation (${major.name})`,
      async () => {
        const { store, cleanup } = open()
        primaryCleanup2 = cleanup
        const tier = redisTier(major)
        tierCleanup = tier.cleanup
        const cached = cachedStore({ primary: store, ttlMs: 60_000, negativeTtlMs: 60_000, ...tier.options })
        await cached.ready()
        return cached
      },
      {
        skip: skip || redisSkip,
        cleanup: async () => {
          await primaryCleanup2?.()
          await tierCleanup?.()
        },
      },
    )
  }
}
