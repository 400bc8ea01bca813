import type { KeyStore } from 'keywarden'
import { createKeywarden, type Keywarden } from 'keywarden'
import type { SqlStore } from 'keywarden/stores/sql'
import { createVault, type Vault } from 'keywarden/vault'
import type { CliConfig } from './config.js'
import { CliError } from './io.js'

/** Opens what a command needs, once, and closes all of it at the end of the command. */
export interface CliContext {
  readonly config: CliConfig
  /** The SQL store named by the database URL. `migrate: 'manual'` leaves the schema alone (doctor, migrate). */
  store(options?: { migrate?: 'auto' | 'manual' }): Promise<SqlStore>
  /**
   * Where issued keys are written: the SQL store, or with KEYWARDEN_REDIS_URL the same cached store
   * the servers use, so a revoke here invalidates their caches at once (Redis pub/sub).
   */
  keyStore(): Promise<KeyStore>
  warden(): Promise<Keywarden>
  vault(): Promise<Vault>
  close(): Promise<void>
}

/**
 * Two CLI processes opening one SQLite file at the same moment can both try to take the migration
 * lock, and SQLite then answers "database is locked" at once instead of waiting. The loser retries
 * after a short pause and finds the migrations recorded.
 */
async function migrateWithRetry(migrate: () => Promise<unknown>, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate()
      return
    } catch (error) {
      if (attempt >= attempts || !/database is locked|SQLITE_BUSY/i.test((error as Error)?.message ?? ''))
        throw error
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt * (0.5 + Math.random())))
    }
  }
}

export function createCliContext(config: CliConfig): CliContext {
  let store: SqlStore | null = null
  let keyStore: KeyStore | null = null
  const extra: Array<{ close(): Promise<void> }> = []
  let warden: Keywarden | null = null
  let vault: Vault | null = null

  const context: CliContext = {
    config,
    async store({ migrate = 'auto' } = {}) {
      if (store) return store
      // Loaded on demand: help and usage errors never pay for Kysely and the drivers.
      const { sqlStore, migrateToLatest } = await import('keywarden/stores/sql')
      const opened = sqlStore({
        url: config.databaseUrl,
        migrate: 'manual',
        ...(config.tablePrefix ? { tablePrefix: config.tablePrefix } : {}),
      })
      store = opened
      if (migrate === 'auto') await migrateWithRetry(() => migrateToLatest(opened))
      return opened
    },
    async keyStore() {
      if (keyStore) return keyStore
      const sql = await context.store()
      if (!config.redisUrl) {
        keyStore = sql
        return keyStore
      }
      const [{ redisStore }, { cachedStore }] = await Promise.all([
        import('keywarden/stores/redis'),
        import('keywarden/stores/cached'),
      ])
      const namespace = config.redisNamespace ?? 'keywarden'
      const redis = redisStore({ url: config.redisUrl, namespace })
      const cached = cachedStore({
        primary: sql,
        cache: redis,
        invalidation: { redis: config.redisUrl, channel: `${namespace}:invalidate` },
      })
      extra.push(cached, redis)
      await cached.ready()
      keyStore = cached
      return keyStore
    },
    async warden() {
      // The CLI looks keys up; it does not count as use, so last-used stays untouched.
      warden ??= createKeywarden({
        store: await context.keyStore(),
        prefix: config.prefix,
        acceptLegacy: config.acceptLegacy,
        lastUsed: false,
      })
      return warden
    },
    async vault() {
      if (vault) return vault
      if (!config.keyring && !config.secret) {
        throw new CliError(
          `no vault secret: set KEYWARDEN_SECRET (or KEYWARDEN_KEYRING), or run \`keywarden serve\` once to generate ${config.secretFile}`,
        )
      }
      vault = createVault({
        store: await context.store(),
        ...(config.keyring ? { keyring: config.keyring } : { secret: config.secret as string }),
      })
      return vault
    },
    async close() {
      const open = [...extra, ...(store ? [store] : [])]
      store = null
      keyStore = null
      warden = null
      vault = null
      extra.length = 0
      // The cached store closes what it wraps; closing twice is harmless.
      const results = await Promise.allSettled(open.map((s) => s.close()))
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    },
  }
  return context
}
