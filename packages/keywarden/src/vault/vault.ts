import { ConfigError, ValidationError } from '../errors.js'
import { hasMethods, SECRET_STORE_METHODS, type SecretRecord, type SecretStore } from '../stores/types.js'
import { createCipher, type VaultCipher } from './cipher.js'
import { maskKey } from './mask.js'
import { createProviderRegistry, PROVIDER_ID, type ProviderRegistry } from './providers.js'
import { SESSION_SCOPE, secretAad, USER_SCOPE_PREFIX } from './scope.js'
import type {
  CreateVaultOptions,
  RotateOptions,
  RotateProgress,
  SecretSummary,
  SetSecretOptions,
  Vault,
  VaultFor,
  VaultHandle,
} from './types.js'

const DAY_MS = 24 * 3600_000
const MAX_KEY_LENGTH = 4096
const MAX_USER_ID_LENGTH = 512

function assertTtl(ttlMs: unknown, field: string): asserts ttlMs is number | null {
  if (ttlMs === null) return
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new ValidationError(`${field} must be a positive number of milliseconds, or null for no expiry`, {
      field,
    })
  }
}

function assertDate(value: unknown, field: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(`${field} must be a valid Date`, { field })
  }
}

function assertProviderId(provider: unknown): asserts provider is string {
  if (typeof provider !== 'string' || !PROVIDER_ID.test(provider)) {
    throw new ValidationError('provider must be a provider id such as "openai" (a-z 0-9 _ -)', {
      field: 'provider',
    })
  }
}

function resolveProviders(providers: CreateVaultOptions['providers']): ProviderRegistry {
  if (providers === undefined) return createProviderRegistry()
  if (Array.isArray(providers)) return createProviderRegistry(providers)
  const registry = providers as ProviderRegistry
  if (typeof registry.assertKey !== 'function' || typeof registry.get !== 'function') {
    throw new ConfigError(
      'providers must be an array of provider definitions or a createProviderRegistry() result',
    )
  }
  return registry
}

function isExpired(record: SecretRecord, now: Date): boolean {
  return record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime()
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * The BYOK vault: encrypts users' own provider keys (AES-256-GCM under the app's secret or a
 * versioned keyring) and keeps them in any SecretStore, per user or per visitor session.
 * @throws ConfigError when an option is invalid: a missing or weak secret (or both secret and
 * keyring), no SecretStore, a bad defaultTtlMs, providers or clock (the message says what to fix).
 * @example
 * import { createVault } from 'keywarden/vault'
 * import { memoryStore } from 'keywarden/stores/memory'
 *
 * const vault = createVault({ secret: process.env.KEYWARDEN_SECRET, store: memoryStore() })
 * await vault.for({ userId: 'user_1' }).set('openai', userSuppliedKey)
 * const apiKey = await vault.for({ userId: 'user_1' }).get('openai') // plaintext, or null
 */
export function createVault(options: CreateVaultOptions): Vault {
  if (!options || typeof options !== 'object') throw new ConfigError('createVault needs an options object')
  const { store, defaultTtlMs = DAY_MS, now = () => new Date() } = options
  if (!hasMethods(store, SECRET_STORE_METHODS)) {
    throw new ConfigError(
      `store must be a SecretStore (with ${SECRET_STORE_METHODS.join(', ')}), e.g. memoryStore()`,
    )
  }
  if (defaultTtlMs !== null) {
    if (typeof defaultTtlMs !== 'number' || !Number.isFinite(defaultTtlMs) || defaultTtlMs <= 0) {
      throw new ConfigError('defaultTtlMs must be a positive number of milliseconds, or null for no expiry')
    }
  }
  if (typeof now !== 'function') throw new ConfigError('now must be a function returning a Date')
  const cipher: VaultCipher = createCipher({ secret: options.secret, keyring: options.keyring })
  const providers = resolveProviders(options.providers)

  const label = (provider: string) => providers.get(provider)?.label ?? provider
  const summary = (record: SecretRecord): SecretSummary => ({
    provider: record.provider,
    label: label(record.provider),
    masked: record.masked,
    fingerprint: record.fingerprint,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  })

  /** A record for `plaintext`, encrypted under the current key and bound to scope + provider. */
  const seal = (
    base: Omit<SecretRecord, 'ciphertext' | 'keyId' | 'fingerprint' | 'masked'>,
    plaintext: string,
  ) => ({
    ...base,
    ciphertext: cipher.encrypt(plaintext, secretAad(base.scope, base.provider)),
    keyId: cipher.currentKeyId,
    fingerprint: cipher.fingerprint(plaintext),
    masked: maskKey(plaintext),
  })

  const open = (record: SecretRecord) =>
    cipher.decrypt(record.ciphertext, secretAad(record.scope, record.provider))

  // A class, not an object of closures: vault.for() runs on every request, its methods are shared.
  class Handle implements VaultHandle {
    constructor(
      private readonly bound: SecretStore,
      readonly scope: string,
    ) {}

    async set(provider: string, apiKey: string, setOptions: SetSecretOptions = {}): Promise<SecretSummary> {
      assertProviderId(provider)
      if (typeof apiKey !== 'string')
        throw new ValidationError('apiKey must be a string', { field: 'apiKey' })
      const key = apiKey.trim()
      if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
        throw new ValidationError(`apiKey must be 1 to ${MAX_KEY_LENGTH} characters`, { field: 'apiKey' })
      }
      providers.assertKey(provider, key)
      const at = now()
      const { ttlMs, expiresAt, createdAt = at } = setOptions ?? {}
      assertDate(createdAt, 'createdAt')
      let expiry: Date | null
      if (expiresAt !== undefined) {
        if (ttlMs !== undefined)
          throw new ValidationError('pass ttlMs or expiresAt, not both', { field: 'ttlMs' })
        if (expiresAt !== null) assertDate(expiresAt, 'expiresAt')
        expiry = expiresAt
      } else {
        const ttl = ttlMs === undefined ? defaultTtlMs : ttlMs
        assertTtl(ttl, 'ttlMs')
        expiry = ttl === null ? null : new Date(at.getTime() + ttl)
      }
      const record = seal({ scope: this.scope, provider, createdAt, updatedAt: at, expiresAt: expiry }, key)
      await this.bound.putSecret(record)
      return summary(record)
    }

    async get(provider: string): Promise<string | null> {
      assertProviderId(provider)
      const record = await this.bound.getSecret(this.scope, provider)
      if (!record || (record.expiresAt !== null && isExpired(record, now()))) return null
      const plaintext = open(record)
      if (record.keyId !== cipher.currentKeyId) {
        // Lazy rotation: session-held values are out of rotate()'s reach. Compare-and-set, so a
        // concurrent set wins; a failed write only means the value stays under its old key.
        const fresh = seal({ ...record, updatedAt: now() }, plaintext)
        await this.bound.putSecret(fresh, { ifCiphertext: record.ciphertext }).catch(() => false)
      }
      return plaintext
    }

    async has(provider: string): Promise<boolean> {
      assertProviderId(provider)
      const record = await this.bound.getSecret(this.scope, provider)
      return record !== null && !isExpired(record, now())
    }

    async delete(provider: string): Promise<boolean> {
      assertProviderId(provider)
      return this.bound.deleteSecret(this.scope, provider)
    }

    async list(): Promise<SecretSummary[]> {
      const at = now()
      return (await this.bound.listSecrets(this.scope)).filter((r) => !isExpired(r, at)).map(summary)
    }

    async clear(): Promise<number> {
      return this.bound.clearSecrets(this.scope)
    }
  }

  return {
    providers,
    currentKeyId: cipher.currentKeyId,

    for(owner: VaultFor) {
      if (!owner || typeof owner !== 'object') {
        throw new ValidationError('vault.for needs { userId } or { session }', { field: 'owner' })
      }
      const { userId, session } = owner
      if (userId !== undefined && userId !== null) {
        if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
          throw new ValidationError(
            `userId must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`,
            {
              field: 'userId',
            },
          )
        }
      }
      const hasUser = typeof userId === 'string'
      let bound: SecretStore = store
      if (session !== undefined && session !== null) {
        if (typeof session.get !== 'function' || typeof session.set !== 'function') {
          throw new ValidationError(
            'session must have get, set and delete (see expressSession, fastifySession)',
            {
              field: 'session',
            },
          )
        }
        if (store.withSession) bound = store.withSession(session)
        else if (!hasUser) {
          throw new ConfigError(
            'this store is not session-bound: pass { userId }, or use sessionStore() / hybridStore() to keep values in the session',
          )
        }
      } else if (!hasUser) {
        throw new ValidationError('vault.for needs { userId } or { session }', { field: 'owner' })
      }
      return new Handle(bound, hasUser ? `${USER_SCOPE_PREFIX}${userId}` : SESSION_SCOPE)
    },

    async rotate({ onProgress, pageSize = 500, concurrency = 16 }: RotateOptions = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1)
        throw new ValidationError('pageSize must be a positive integer')
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new ValidationError('concurrency must be a positive integer')
      }
      if (onProgress !== undefined && typeof onProgress !== 'function') {
        throw new ValidationError('onProgress must be a function')
      }
      const progress: RotateProgress = { scanned: 0, rotated: 0, upToDate: 0, conflicts: 0, failed: [] }
      let cursor: string | null = null
      do {
        const page = await store.scanSecrets({ limit: pageSize, cursor })
        await forEachLimited(page.items, concurrency, async (record) => {
          progress.scanned++
          // Every value is decrypted, current ones too: a key id names a key but does not prove it is
          // the same secret, and a wrong secret under the right id must fail here, not report success.
          let plaintext: string
          try {
            plaintext = open(record)
          } catch (error) {
            progress.failed.push({
              scope: record.scope,
              provider: record.provider,
              reason: (error as Error).message,
            })
            return
          }
          if (
            record.keyId === cipher.currentKeyId &&
            record.ciphertext.startsWith(`kw1.${cipher.currentKeyId}.`)
          ) {
            progress.upToDate++
            return
          }
          const fresh = seal({ ...record, updatedAt: now() }, plaintext)
          if (await store.putSecret(fresh, { ifCiphertext: record.ciphertext })) progress.rotated++
          else progress.conflicts++
        })
        onProgress?.({ ...progress, failed: [...progress.failed] })
        cursor = page.nextCursor
      } while (cursor)
      return progress
    },

    async purgeExpired({ pageSize = 500 }: { pageSize?: number } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1)
        throw new ValidationError('pageSize must be a positive integer')
      const at = now()
      let purged = 0
      let cursor: string | null = null
      do {
        const page = await store.scanSecrets({ limit: pageSize, cursor })
        for (const record of page.items) {
          if (!isExpired(record, at)) continue
          // The store re-checks the expiry in the delete itself: a value set again since the scan survives.
          if (await store.deleteSecret(record.scope, record.provider, { expiredBefore: at })) purged++
        }
        cursor = page.nextCursor
      } while (cursor)
      return purged
    },
  }
}
