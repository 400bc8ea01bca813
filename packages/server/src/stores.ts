import { ConfigError, type KeyStore, type SecretStore } from 'keywarden'
import { type SqlStore, sqlStore } from 'keywarden/stores/sql'
import { DEFAULT_REDIS_NAMESPACE, type Settings } from './settings/index.js'

/** The settings the stores are opened from; the server and the CLI open them the same way. */
export type StoreSettings = Pick<
  Settings,
  'databaseUrl' | 'tablePrefix' | 'redisUrl' | 'redisNamespace' | 'cacheTtlMs'
>

export interface ServerStores {
  /**
   * What the warden uses: the SQL store behind the Redis cache tier when Redis is configured; on
   * SQLite without Redis, behind the in-process tier (see openEmbeddedCache).
   */
  keys: KeyStore
  /** What the vault uses: the SQL store (provider keys are not cached). */
  secrets: SecretStore
  /** Webhook endpoints, outbox and delivery log: the SQL store (shared by every instance). */
  webhooks: SqlStore
  /** Probes the SQL store and, when configured, Redis; rejects when one is down. */
  checkHealth(): Promise<void>
  /** Closes everything the warden does not close itself. */
  closeRest(): Promise<void>
}

export interface CacheTier {
  /** The SQL store behind the Redis tier and the in-process tier; writes are published. */
  keys: KeyStore & { close(): Promise<void> }
  probe(): Promise<unknown>
  /** Closes the cached store and the Redis store (both tolerate a second close). */
  close(): Promise<void>
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
 * The SQL store named by the settings. With 'auto' it migrates at first use (the library retries
 * SQLITE_BUSY when several processes open one new file); 'manual' leaves the schema alone.
 */
export function openSqlStore(config: StoreSettings, migrate: 'auto' | 'manual' = 'auto'): SqlStore {
  return sqlStore({
    url: config.databaseUrl,
    migrate,
    ...(config.tablePrefix ? { tablePrefix: config.tablePrefix } : {}),
  })
}

/**
 * Puts the Redis tier in front of `sql` (config.redisUrl must be set): key lookups go in-process →
 * Redis → SQL, and every write (revoke, delete, update) is published so other instances and CLI
 * processes drop their copy at once. Rejects with ConfigError when Redis cannot be subscribed to.
 */
export async function openCacheTier(sql: SqlStore, config: StoreSettings): Promise<CacheTier> {
  if (!config.redisUrl) throw new ConfigError('openCacheTier needs KEYWARDEN_REDIS_URL')
  // Loaded only when Redis is configured: no other configuration needs ioredis.
  const [{ redisStore }, { cachedStore }] = await Promise.all([
    import('keywarden/stores/redis'),
    import('keywarden/stores/cached'),
  ])
  const namespace = config.redisNamespace ?? DEFAULT_REDIS_NAMESPACE
  const redis = redisStore({ url: config.redisUrl, namespace })
  const keys = cachedStore({
    primary: sql,
    cache: redis,
    ttlMs: config.cacheTtlMs,
    invalidation: { redis: config.redisUrl, channel: `${namespace}:invalidate` },
  })
  const close = async () => {
    await Promise.allSettled([keys.close(), redis.close()])
  }
  try {
    await withTimeout(keys.ready(), READY_TIMEOUT_MS)
  } catch (cause) {
    await close()
    throw new ConfigError(
      `cannot subscribe to Redis within ${READY_TIMEOUT_MS / 1000} s; check KEYWARDEN_REDIS_URL and that Redis runs`,
      { cause },
    )
  }
  return { keys, probe: () => redis.getKeyById(PROBE_ID), close }
}

/**
 * On SQLite (the embedded default) without Redis: key lookups answered in process, by cachedStore's
 * local tier, which is dropped whenever another process commits to the file (the CLI revoking a
 * key, a second server) — SQLite's data_version, read every 25 ms on the store's own connection,
 * moves then. Null for other databases: without Redis nothing would tell them of other writers.
 */
export async function openEmbeddedCache(sql: SqlStore, config: StoreSettings): Promise<KeyStore | null> {
  if (!sql.dataVersion) return null
  const { cachedStore } = await import('keywarden/stores/cached')
  return cachedStore({
    primary: sql,
    ttlMs: config.cacheTtlMs,
    watch: { version: () => sql.dataVersion?.() },
  })
}

/** The server's stores: `openSqlStore`, behind `openCacheTier` when Redis is configured. */
export async function openServerStores(config: StoreSettings): Promise<ServerStores> {
  const sql = openSqlStore(config)
  const sqlProbe = () => sql.getKeyById(PROBE_ID)
  if (!config.redisUrl) {
    return {
      // warden.close() closes the cache, and so sql; sql tolerates the second close.
      keys: (await openEmbeddedCache(sql, config)) ?? sql,
      secrets: sql,
      webhooks: sql,
      checkHealth: async () => {
        await sqlProbe()
      },
      closeRest: async () => {
        await sql.close()
      },
    }
  }
  let tier: CacheTier
  try {
    tier = await openCacheTier(sql, config)
  } catch (error) {
    await sql.close().catch(() => {})
    throw error
  }
  return {
    keys: tier.keys,
    secrets: sql,
    webhooks: sql,
    checkHealth: async () => {
      await Promise.all([sqlProbe(), tier.probe()])
    },
    // warden.close() closes the cached store, which closes sql and redis; both tolerate a second close.
    closeRest: async () => {
      await Promise.allSettled([sql.close(), tier.close()])
    },
  }
}
