import type { EventHub } from '../events/hub.js'
import type { ChangeContext } from '../events/types.js'
import type { SecretInput } from '../secrets/strength.js'
import type { SecretStore, SessionLike } from '../stores/types.js'
import type { Keyring } from './cipher.js'
import type { ProviderDefinition, ProviderId, ProviderRegistry } from './providers.js'

export interface CreateVaultOptions {
  /** At least 32 random bytes. Same as `keyring: { current: 'k1', keys: { k1: secret } }`. */
  secret?: SecretInput
  /** Versioned secrets: new values are encrypted with `current`, any key decrypts. */
  keyring?: Keyring
  store: SecretStore
  /** Lifetime of a value `set` without `ttlMs`; null keeps values until deleted. Default 24 h. */
  defaultTtlMs?: number | null
  /** The app's own providers (added to the built-in ones, replacing any with the same id), or a whole registry. */
  providers?: readonly ProviderDefinition[] | ProviderRegistry
  now?: () => Date
  /**
   * Where changes are emitted (audit log, webhooks): pass `warden.events` to share the warden's.
   * Default: a hub of its own on `store` (an audit log when the store keeps one).
   */
  events?: EventHub
}

/** Whose keys: a signed-in user (`user:<id>` scope), or the visitor's session when there is no user. */
export interface VaultFor {
  userId?: string | null
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
}

/** What `list()` shows of a stored key: never the plaintext. */
export interface SecretSummary {
  provider: string
  label: string
  masked: string
  fingerprint: string
  createdAt: Date
  expiresAt: Date | null
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
  readonly providers: ProviderRegistry
  readonly currentKeyId: string
}
