import { Redis } from 'ioredis'
import { cachedStore } from '../../packages/keywarden/src/stores/cached.js'
import { redisStore } from '../../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'
import type { KeyStore } from '../../packages/keywarden/src/stores/types.js'
import { freshPlace } from '../sql-procs/engines.js'
import { deleteNamespace } from '../support/redis-servers.js'
import { REDIS_URL, type Service, uniqueName } from '../support/services.js'

/**
 * The shared stores the limits tests run against, each in its own fresh place. 'cached' is a
 * cachedStore over a sqlite file with a Redis tier: rate-limit counts in Redis, credits in sqlite.
 */
export type LimitEngine = 'sqlite' | 'postgres' | 'mysql' | 'redis' | 'cached'

/** How a child process opens the same store: JSON on its command line. */
export type StoreSpec =
  | { engine: 'sqlite' | 'postgres' | 'mysql'; url: string; options: Record<string, unknown> }
  | { engine: 'redis'; url: string; namespace: string }
  | { engine: 'cached'; url: string; options: Record<string, unknown>; redisUrl: string; namespace: string }

export interface LimitPlace {
  spec: StoreSpec
  service: Service | null
  cleanup(): Promise<void>
}

export function freshLimitPlace(engine: LimitEngine): LimitPlace {
  if (engine === 'redis') {
    const namespace = uniqueName('kwlim')
    return {
      spec: { engine, url: REDIS_URL, namespace },
      service: 'redis',
      async cleanup() {
        const client = new Redis(REDIS_URL)
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
    const tier = freshLimitPlace('redis')
    if (primary.spec.engine !== 'sqlite' || tier.spec.engine !== 'redis') throw new Error('unreachable')
    return {
      spec: {
        engine,
        url: primary.spec.url,
        options: primary.spec.options,
        redisUrl: tier.spec.url,
        namespace: tier.spec.namespace,
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

export function openStore(spec: StoreSpec): KeyStore {
  if (spec.engine === 'redis') return redisStore({ url: spec.url, namespace: spec.namespace })
  if (spec.engine === 'cached') {
    return cachedStore({
      primary: sqlStore({ url: spec.url }, spec.options),
      cache: redisStore({ url: spec.redisUrl, namespace: spec.namespace }),
    })
  }
  return sqlStore({ url: spec.url }, spec.options)
}
