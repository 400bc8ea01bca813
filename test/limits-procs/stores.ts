import { cachedStore } from '../../packages/keywarden/src/stores/cached.js'
import { redisStore } from '../../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'
import type { KeyStore } from '../../packages/keywarden/src/stores/types.js'
import { freshPlace } from '../sql-procs/engines.js'
import { deleteNamespace } from '../support/redis-servers.js'
import { REDIS_URL, redisMajor, type Service, uniqueName } from '../support/services.js'

/**
 * The shared stores the limits tests run against, each in its own fresh place. 'cached' is a
 * cachedStore over a sqlite file with a Redis tier: rate-limit counts in Redis, credits in sqlite.
 */
export type LimitEngine = 'sqlite' | 'postgres' | 'mysql' | 'redis' | 'cached'

/**
 * How a child process opens the same store: JSON on its command line. `client` names an entry of
 * redisMajors: the store gets `{ client }` of that ioredis major; without it, `{ url }` (the
 * installed ioredis).
 */
export type StoreSpec =
  | { engine: 'sqlite' | 'postgres' | 'mysql'; url: string; options: Record<string, unknown> }
  | { engine: 'redis'; url: string; namespace: string; client?: string }
  | {
      engine: 'cached'
      url: string
      options: Record<string, unknown>
      redisUrl: string
      namespace: string
      client?: string
    }

export interface LimitPlace {
  spec: StoreSpec
  service: Service | null
  cleanup(): Promise<void>
}

export function freshLimitPlace(engine: LimitEngine, client?: string): LimitPlace {
  if (engine === 'redis') {
    const namespace = uniqueName('kwlim')
    return {
      spec: { engine, url: REDIS_URL, namespace, ...(client && { client }) },
      service: 'redis',
      async cleanup() {
        const client = redisMajor('ioredis 5').client(REDIS_URL)
        try {
          await deleteNamespace(client, namespace)
        } finally {
          client.disconnect()
        }
      },
    }
  }
  if (engine === 'cached') {
    const primary = freshLimitPlace('sqlite')
    const tier = freshLimitPlace('redis', client)
    if (primary.spec.engine !== 'sqlite' || tier.spec.engine !== 'redis') throw new Error('unreachable')
    return {
      spec: {
        engine,
        url: primary.spec.url,
        options: primary.spec.options,
        redisUrl: tier.spec.url,
        namespace: tier.spec.namespace,
        ...(client && { client }),
      },
      service: 'redis',
      async cleanup() {
        await primary.cleanup()
        await tier.cleanup()
      },
    }
  }
  const place = freshPlace(engine === 'sqlite' ? 'sqlite-file' : engine, 'kwlim')
  return {
    spec: { engine, url: place.url, options: place.options as Record<string, unknown> },
    service: place.service,
    cleanup: () => place.cleanup(),
  }
}

/** A Redis tier or store as the spec says: `{ client }` of a named ioredis major (quit on close), or `{ url }`. */
function openRedis(url: string, namespace: string, client: string | undefined) {
  if (client === undefined) return redisStore({ url, namespace })
  const connection = redisMajor(client).client(url)
  const store = redisStore({ client: connection, namespace })
  const closeStore = store.close
  return Object.assign(store, {
    async close() {
      await closeStore()
      await connection.quit()
    },
  })
}

export function openStore(spec: StoreSpec): KeyStore {
  if (spec.engine === 'redis') return openRedis(spec.url, spec.namespace, spec.client)
  if (spec.engine === 'cached') {
    return cachedStore({
      primary: sqlStore({ url: spec.url }, spec.options),
      cache: openRedis(spec.redisUrl, spec.namespace, spec.client),
    })
  }
  return sqlStore({ url: spec.url }, spec.options)
}
