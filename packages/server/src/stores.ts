import { ConfigError, type KeyStore, type SecretStore } from 'keywarden'
import { sqlStore } from 'keywarden/stores/sql'
import type { ServerConfig } from './config.js'

export interface ServerStores {
  /** What the warden uses: the SQL store, behind the Redis cache tier when Redis is configured. */
  keys: KeyStore
  /** What the vault uses: the SQL store (provider keys are not cached). */
  secrets: SecretStore
  /** Probes the SQL store and, when configured, Redis; rejects when one is down. */
  checkHealth(): Promise<void>
  /** Closes everything the warden does not close itself. */
  closeRest(): Promise<void>
}

const PROBE_ID = 'keywarden-healthz-probe'
const READY_TIMEOUT_MS = 10_000

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * The server's stores from its configuration. With KEYWARDEN_REDIS_URL, key lookups go through
 * `cachedStore` (Redis tier + in-process tier) and revocations are published to every instance.
 */
export async function openServerStores(config: ServerConfig): Promise<ServerStores> {
  const sql = sqlStore({
    url: config.databaseUrl,
    ...(config.tablePrefix ? { tablePrefix: config.tablePrefix } : {}),
  })
  if (!config.redisUrl) {
    return {
      keys: sql,
      secrets: sql,
      checkHealth: async () => {
        await sql.getKeyById(PROBE_ID)
      },
      closeRest: async () => {},
    }
  }
  // Loaded only when Redis is configured: the embedded default needs neither ioredis nor the cache.
  const [{ redisStore }, { cachedStore }] = await Promise.all([
    import('keywarden/stores/redis'),
    import('keywarden/stores/cached'),
  ])
  const namespace = config.redisNamespace ?? 'keywarden'
  const redis = redisStore({ url: config.redisUrl, namespace })
  const keys = cachedStore({
    primary: sql,
    cache: redis,
    ttlMs: config.cacheTtlMs,
    // Every write (revoke, delete, update) is published: other instances drop their copy at once.
    invalidation: { redis: config.redisUrl, channel: `${namespace}:invalidate` },
  })
  try {
    await withTimeout(keys.ready(), READY_TIMEOUT_MS)
  } catch (cause) {
    await Promise.allSettled([keys.close(), sql.close(), redis.close()])
    throw new ConfigError(
      `cannot subscribe to Redis within ${READY_TIMEOUT_MS / 1000} s; check KEYWARDEN_REDIS_URL and that Redis runs`,
      { cause },
    )
  }
  return {
    keys,
    secrets: sql,
    checkHealth: async () => {
      await Promise.all([sql.getKeyById(PROBE_ID), redis.getKeyById(PROBE_ID)])
    },
    // warden.close() closes the cached store, which closes sql and redis; both tolerate a second close.
    closeRest: async () => {
      await Promise.allSettled([sql.close(), redis.close()])
    },
  }
}
