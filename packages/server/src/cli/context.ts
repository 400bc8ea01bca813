import { userInfo } from 'node:os'
import type { ChangeContext, KeyStore } from 'keywarden'
import { createKeywarden, type Keywarden } from 'keywarden'
import type { SqlStore } from 'keywarden/stores/sql'
import { createVault, type Vault } from 'keywarden/vault'
import { createWebhooks, type Webhooks } from 'keywarden/webhooks'
import type { CliConfig } from './config.js'
import { CliError } from './io.js'

/** The operating-system user running the CLI (USER/USERNAME when the account has no name). */
function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}

/** The change context of every CLI change: the audit log names `{ type: 'cli', id: <os user> }`. */
export function cliChange(): ChangeContext {
  return { actor: { type: 'cli', id: osUser() } }
}

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
  /** Webhook endpoints in the SQL store (needs the secret: endpoint secrets are stored encrypted). */
  webhooks(): Promise<Webhooks>
  close(): Promise<void>
}

export function createCliContext(config: CliConfig): CliContext {
  let store: SqlStore | null = null
  let keyStore: KeyStore | null = null
  const extra: Array<{ close(): Promise<void> }> = []
  let warden: Keywarden | null = null
  let vault: Vault | null = null
  let webhooks: Webhooks | null = null
  let webhooksProblem: unknown = null
  const noSecret = () =>
    new CliError(
      `no secret: set KEYWARDEN_SECRET (or KEYWARDEN_KEYRING), or run \`keywarden serve\` once to generate ${config.secretFile}`,
    )

  const context: CliContext = {
    config,
    async store({ migrate = 'auto' } = {}) {
      if (store) return store
      // Loaded on demand: help and usage errors never pay for Kysely and the drivers.
      const [{ openSqlStore }, { migrateToLatest }] = await Promise.all([
        import('../stores.js'),
        import('keywarden/stores/sql'),
      ])
      const opened = openSqlStore(config, 'manual')
      store = opened
      // Migrated before the command's first write; the library retries SQLITE_BUSY when several
      // CLI processes open one new file together.
      if (migrate === 'auto') await migrateToLatest(opened)
      return opened
    },
    async keyStore() {
      if (keyStore) return keyStore
      const sql = await context.store()
      if (!config.redisUrl) {
        keyStore = sql
        return keyStore
      }
      const { openCacheTier } = await import('../stores.js')
      const tier = await openCacheTier(sql, config)
      extra.push(tier)
      keyStore = tier.keys
      return keyStore
    },
    async warden() {
      if (warden) return warden
      const keys = await context.keyStore()
      const sql = await context.store()
      if (warden) return warden
      // The CLI looks keys up; it does not count as use, so last-used stays untouched.
      const created = createKeywarden({
        store: keys,
        prefix: config.prefix,
        acceptLegacy: config.acceptLegacy,
        lastUsed: false,
      })
      // With the secret, key changes made here reach the outbox too; the servers' workers deliver them.
      // A weak secret stops only the webhook commands (they report it), not the key commands.
      if (config.secret || config.keyring) {
        try {
          webhooks = createWebhooks({
            store: sql,
            events: created.events,
            ...(config.keyring ? { keyring: config.keyring } : { secret: config.secret as string }),
            allowPrivate: config.webhooksAllowPrivate,
          })
        } catch (error) {
          webhooksProblem = error
        }
      }
      warden = created
      return warden
    },
    async webhooks() {
      if (!config.keyring && !config.secret) throw noSecret()
      await context.warden()
      if (!webhooks) throw webhooksProblem
      return webhooks
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
        // The warden's hub: vault changes land in the same audit log.
        events: (await context.warden()).events,
        ...(config.keyring ? { keyring: config.keyring } : { secret: config.secret as string }),
      })
      return vault
    },
    async close() {
      const open = [...extra, ...(store ? [store] : [])]
      store = null
      keyStore = null
      await webhooks?.close()
      warden = null
      vault = null
      webhooks = null
      extra.length = 0
      // The cached store closes what it wraps; closing twice is harmless.
      const results = await Promise.allSettled(open.map((s) => s.close()))
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    },
  }
  return context
}
