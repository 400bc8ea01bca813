import type { EventHub } from '../events/hub.js'
import type { ChangeContext } from '../events/types.js'
import type { SecretInput } from '../secrets/strength.js'
import type { SecretStore, SessionLike } from '../stores/types.js'
import type { UsageCounter, UsageOptions } from '../usage/types.js'
import type { ProviderKeyUsage, ProviderKeyUsageInput } from './budgets.js'
import type { KeyCheckOptions, KeyCheckResult } from './check.js'
import type { Keyring } from './cipher.js'
import type { ProviderSettings } from './provider-settings.js'
import type { ProviderDefinition, ProviderId, ProviderRegistry } from './providers.js'
import type { ResolveResult } from './resolve.js'

export interface CreateVaultOptions {
  /** At least 32 random bytes. Same as `keyring: { current: 'k1', keys: { k1: secret } }`. */
  secret?: SecretInput
  /** Versioned secrets: new values are encrypted with `current`, any key decrypts. */
  keyring?: Keyring
  store: SecretStore
  /** Lifetime of a value `set` without `ttlMs`; null keeps values until deleted. Default 24 h. */
  defaultTtlMs?: number | null
  /**
   * The app's own providers (added to the built-in ones, replacing any with the same id), a whole
   * registry, or per-provider settings: `{ openai: { baseUrl, platformKey, fallback: ['team', 'platform'] } }`.
   */
  providers?: readonly ProviderDefinition[] | ProviderRegistry | Record<string, ProviderSettings>
  /**
   * Provider-key usage for `recordUsage` and monthly budgets. Default: counted on `store` when it keeps
   * usage (memoryStore, sqlStore, redisStore), flushed every 5 s; `{ flushIntervalMs, retentionDays }`
   * tunes that, a UsageCounter replaces it, `false` turns it off.
   */
  usage?: UsageCounter | UsageOptions | false
  now?: () => Date
  /**
   * Where changes are emitted (audit log, webhooks): pass `warden.events` to share the warden's.
   * Default: a hub of its own on `store` (an audit log when the store keeps one).
   */
  events?: EventHub
}

/**
 * Whose keys: a signed-in user (`user:<id>` scope) with the teams `resolve` may fall back to, a team
 * (`{ teamId }` alone, scope `team:<id>`), or the visitor's session when there is no user.
 */
export interface VaultFor {
  userId?: string | null
  /** A team's own keys (scope `team:<id>`); not combined with userId, session or teamIds. */
  teamId?: string | null
  /** The user's teams, in the order `resolve` tries their keys. */
  teamIds?: readonly string[] | null
  /** Required with a session-bound store (sessionStore, hybridStore). */
  session?: SessionLike | null
}

export interface SetSecretOptions extends ChangeContext {
  /** Lifetime from now; null = never expires. Default: the vault's defaultTtlMs. */
  ttlMs?: number | null
  /** Absolute expiry instead of `ttlMs` (for importers); null = never. */
  expiresAt?: Date | null
  /** When the value was first stored (for importers). Default: now. */
  createdAt?: Date
  /** A monthly spending limit for this key (micros); null removes it; omitted keeps the current one. */
  monthlyBudgetMicros?: number | null
}

/** What `list()` shows of a stored key: never the plaintext. */
export interface SecretSummary {
  provider: string
  label: string
  masked: string
  fingerprint: string
  createdAt: Date
  expiresAt: Date | null
  /** Names this stored key without revealing it (`user:<id>/openai@1a2b3c4d`); a replaced key is a new ref. */
  ref: string
  /** The key's monthly budget (only in `list()`); null without one. */
  monthlyBudgetMicros?: number | null
}

export interface VaultHandle {
  /** The store scope this handle reads and writes: `user:<id>` or `session`. */
  readonly scope: string
  /** Validates the key against its provider, encrypts and stores it (replacing any previous one). */
  set(provider: ProviderId, apiKey: string, options?: SetSecretOptions): Promise<SecretSummary>
  /** The plaintext, or null when absent or expired. Throws DecryptError when the secret does not match. */
  get(provider: ProviderId): Promise<string | null>
  /** Whether an unexpired value is stored (does not decrypt). */
  has(provider: ProviderId): Promise<boolean>
  delete(provider: ProviderId, context?: ChangeContext): Promise<boolean>
  /** Unexpired values, sorted by provider. */
  list(): Promise<SecretSummary[]>
  /** Deletes every value of this scope; returns how many. */
  clear(context?: ChangeContext): Promise<number>
  /**
   * The key to use for `provider`: own key → team keys (teamIds order) → platform key, each fallback
   * step allowed by the provider's `fallback` policy; a key over its monthly budget is passed over.
   * Emits `secret.resolved` with `{ source, ref }` (never the key).
   * @throws ValidationError for an unknown provider. DecryptError when a stored value does not decrypt
   * (e.g. a team key copied to another team).
   * @example
   * const r = await vault.for({ userId, teamIds: ['acme'] }).resolve('openai')
   * if (r.apiKey === null) return res.status(402).send(r.reason) // MISSING | BUDGET_EXCEEDED
   * callOpenAI(r.apiKey); vault.recordUsage(r.ref, { requests: 1, costMicros: 1200 })
   */
  resolve(provider: ProviderId, context?: ChangeContext): Promise<ResolveResult>
}

export interface RotateFailure {
  scope: string
  provider: string
  reason: string
}

export interface RotateProgress {
  /** Records looked at so far. */
  scanned: number
  /** Re-encrypted under the current key. */
  rotated: number
  /** Already under the current key (and proven to decrypt with it). */
  upToDate: number
  /** Changed by someone else while rotating (their write is kept). */
  conflicts: number
  /** Could not be decrypted, e.g. a wrong secret under the right key id (left untouched). */
  failed: RotateFailure[]
}

export interface RotateOptions extends ChangeContext {
  onProgress?: (progress: RotateProgress) => void
  /** Records per scan page. Default 500. */
  pageSize?: number
  /** Writes in flight at once. Default 16. */
  concurrency?: number
}

/** What createVault returns. */
export interface Vault {
  /**
   * The keys of one owner: a signed-in user (`{ userId }`, scope `user:<id>`), or the visitor's
   * session when there is no user (`{ session }`, needed too with a session-bound store). Cheap: no
   * store call until a method of the handle is called.
   * @throws ValidationError when neither a userId nor a session is given, or either is invalid.
   * @throws ConfigError when only a session is given and the store is not session-bound.
   * @example
   * const mine = vault.for({ userId: req.user.id })
   * await mine.set('openai', req.body.apiKey) // validated against the provider's key format
   * const apiKey = await mine.get('openai')
   */
  for(owner: VaultFor): VaultHandle
  /** Re-encrypts every stored value under the current key, with compare-and-set writes. */
  rotate(options?: RotateOptions): Promise<RotateProgress>
  /** Deletes expired values; returns how many. */
  purgeExpired(options?: { pageSize?: number }): Promise<number>
  /**
   * Tests a key against its provider's cheapest authenticated endpoint (`GET {baseUrl}/v1/models`
   * for OpenAI-compatible ones), with a timeout; answers are cached briefly. Never throws for a bad key.
   * @throws ValidationError for an unknown provider or a bad timeoutMs. ConfigError when the provider has no baseUrl.
   * @example
   * const { ok, status, detail } = await vault.check('openai', req.body.apiKey, { timeoutMs: 3000 })
   */
  check(provider: ProviderId, apiKey: string, options?: KeyCheckOptions): Promise<KeyCheckResult>
  /**
   * Counts usage on the key `resolve` returned (aggregated per key per day, no store write per call).
   * @throws ValidationError for a ref resolve did not return or a negative or fractional figure.
   * @throws ConfigError when the vault was created without `usage`.
   * @example
   * vault.recordUsage(resolved.ref, { requests: 1, inputTokens: 812, outputTokens: 95, costMicros: 1830 })
   */
  recordUsage(ref: string, usage: ProviderKeyUsageInput): void
  /**
   * A provider key's usage this month (UTC) and its budget.
   * @throws ValidationError for a bad ref. ConfigError without `usage`.
   * @example
   * const { costMicros, monthlyBudgetMicros } = await vault.usageThisMonth(summary.ref)
   */
  usageThisMonth(ref: string): Promise<ProviderKeyUsage>
  /** Writes pending provider-key usage to the store now (it is also written every flushIntervalMs). */
  flush(): Promise<void>
  /** Flushes usage and stops the vault's usage timer; the store stays open (close it yourself). */
  close(): Promise<void>
  readonly providers: ProviderRegistry
  readonly currentKeyId: string
}
