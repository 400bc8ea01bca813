import { ConfigError, ValidationError } from '../errors.js'
import {
  hasMethods,
  SECRET_STORE_METHODS,
  SESSION_SCOPE,
  type SecretRecord,
  type SecretStore,
  type SessionLike,
} from './types.js'

export interface HybridStoreOptions {
  /** The cache: a session-bound store, usually `sessionStore()`. */
  session: SecretStore
  /** The truth: memoryStore, sqlStore, redisStore or any SecretStore. */
  persistent: SecretStore
}

export type HybridStore = SecretStore & { withSession(session: SessionLike): SecretStore }

function assertSecretStore(store: unknown, name: string): asserts store is SecretStore {
  if (!hasMethods(store, SECRET_STORE_METHODS)) {
    throw new ConfigError(`${name} must be a SecretStore (with ${SECRET_STORE_METHODS.join(', ')})`)
  }
}

/**
 * The session caches, the persistent store holds the truth (cjm-fasthtml-byok's HybridStorage):
 * reads try the session, then the persistent store (warming the session on a hit); writes and
 * deletes go to both. Values of the `session` scope (visitors without a user id) stay in the session.
 * Unbound (no session: rotate, purge, background jobs) it is the persistent store alone.
 * @throws ConfigError when `session` or `persistent` is not a SecretStore.
 * @example
 * import { hybridStore } from 'keywarden/stores/hybrid'
 * const store = hybridStore({ session: sessionStore(), persistent: sqlStore({ url: process.env.DATABASE_URL }) })
 * const vault = createVault({ secret: process.env.KEYWARDEN_SECRET, store })
 * const mine = vault.for({ userId: req.user.id, session: expressSession(req.session) })
 */
export function hybridStore(options: HybridStoreOptions): HybridStore {
  if (!options || typeof options !== 'object')
    throw new ConfigError('hybridStore needs { session, persistent }')
  const { session, persistent } = options
  assertSecretStore(session, 'session')
  assertSecretStore(persistent, 'persistent')
  if (typeof session.withSession !== 'function') {
    throw new ConfigError('session must be a session-bound store such as sessionStore()')
  }

  const bind = (visitor: SessionLike): SecretStore => {
    const cache = (session.withSession as (s: SessionLike) => SecretStore)(visitor)
    const onlyInSession = (scope: string) => scope === SESSION_SCOPE
    // The cache is best effort (a sealed cookie may be full): when it cannot take a value, it must
    // at least not keep an older one, so reads fall through to the persistent store.
    const cacheWrite = async (record: SecretRecord) => {
      try {
        await cache.putSecret(record)
      } catch {
        await cache.deleteSecret(record.scope, record.provider).catch(() => false)
      }
    }

    return {
      async putSecret(record, putOptions = {}) {
        if (onlyInSession(record.scope)) return cache.putSecret(record, putOptions)
        // The persistent store decides a compare-and-set; the cache follows whatever it holds.
        if (await persistent.putSecret(record, putOptions)) {
          await cacheWrite(record)
          return true
        }
        const truth = await persistent.getSecret(record.scope, record.provider)
        if (truth) await cacheWrite(truth)
        else await cache.deleteSecret(record.scope, record.provider)
        return false
      },

      async getSecret(scope, provider) {
        const cached = await cache.getSecret(scope, provider)
        if (cached || onlyInSession(scope)) return cached
        const stored = await persistent.getSecret(scope, provider)
        if (stored) await cacheWrite(stored)
        return stored
      },

      async listSecrets(scope) {
        return onlyInSession(scope) ? cache.listSecrets(scope) : persistent.listSecrets(scope)
      },

      async deleteSecret(scope, provider, deleteOptions) {
        if (onlyInSession(scope)) return cache.deleteSecret(scope, provider, deleteOptions)
        if (deleteOptions?.expiredBefore === undefined) {
          const inCache = await cache.deleteSecret(scope, provider)
          return (await persistent.deleteSecret(scope, provider)) || inCache
        }
        // The persistent store decides a conditional delete; the cache follows whatever it holds.
        const deleted = await persistent.deleteSecret(scope, provider, deleteOptions)
        const truth = deleted ? null : await persistent.getSecret(scope, provider)
        if (truth) await cacheWrite(truth)
        else await cache.deleteSecret(scope, provider)
        return deleted
      },

      async clearSecrets(scope) {
        const inCache = await cache.clearSecrets(scope)
        if (onlyInSession(scope)) return inCache
        return Math.max(await persistent.clearSecrets(scope), inCache)
      },

      scanSecrets: (query) => persistent.scanSecrets(query),

      async close() {},
    }
  }

  return {
    putSecret: (record, putOptions) => persistent.putSecret(record, putOptions),
    getSecret: (scope, provider) => persistent.getSecret(scope, provider),
    listSecrets: (scope) => persistent.listSecrets(scope),
    deleteSecret: (scope, provider, deleteOptions) => persistent.deleteSecret(scope, provider, deleteOptions),
    clearSecrets: (scope) => persistent.clearSecrets(scope),
    scanSecrets: (query) => persistent.scanSecrets(query),
    withSession(visitor) {
      if (!visitor || typeof visitor.get !== 'function' || typeof visitor.set !== 'function') {
        throw new ValidationError('withSession needs a SessionLike with get, set and delete', {
          field: 'session',
        })
      }
      return bind(visitor)
    },
    async close() {
      await Promise.all([session.close(), persistent.close()])
    },
  }
}
