import { ConfigError, KeywardenError, StoreError, ValidationError } from '../../errors.js'
import { deletable, expiryBound } from '../secret-delete.js'
import type { SecretRecord, SecretStore, SessionLike } from '../types.js'
import { dict, pack, readVault, type SessionVault, unpack } from './records.js'

export interface SessionStoreOptions {
  /** The session key holding every vault value of the session. Default `keywarden:vault`. */
  key?: string
}

export type SessionStore = SecretStore & { withSession(session: SessionLike): SecretStore }

const SCAN_SEPARATOR = '\u0000'

// One queue per session object: read-modify-write of the single session value must not interleave,
// or concurrent puts in one request would lose each other's writes.
const queues = new WeakMap<SessionLike, Promise<unknown>>()

function serialized<T>(session: SessionLike, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(session) ?? Promise.resolve()
  const run = previous.then(work, work)
  queues.set(
    session,
    run.catch(() => undefined),
  )
  return run
}

function storeFailure(action: string, error: unknown): never {
  if (error instanceof KeywardenError) throw error
  throw new StoreError(`the session failed to ${action}; check the session middleware`, { cause: error })
}

function bind(session: SessionLike, key: string): SecretStore {
  const load = async (): Promise<SessionVault> => {
    try {
      return readVault(await session.get(key))
    } catch (error) {
      storeFailure('read', error)
    }
  }
  const save = async (vault: SessionVault): Promise<void> => {
    try {
      if (Object.keys(vault.s).length === 0) await session.delete(key)
      else await session.set(key, vault)
    } catch (error) {
      storeFailure('save', error)
    }
  }
  // Each write builds a new value, so a session store holding the previous object never sees it change.
  const copy = (vault: SessionVault): SessionVault => {
    const s = dict<SessionVault['s'][string]>()
    for (const [scope, providers] of Object.entries(vault.s)) s[scope] = Object.assign(dict(), providers)
    return { v: 1, s }
  }
  const all = (vault: SessionVault): Array<[string, SecretRecord]> => {
    const records: Array<[string, SecretRecord]> = []
    for (const [scope, providers] of Object.entries(vault.s))
      for (const [provider, packed] of Object.entries(providers))
        records.push([scope + SCAN_SEPARATOR + provider, unpack(scope, provider, packed)])
    return records.sort((a, b) => (a[0] < b[0] ? -1 : 1))
  }

  return {
    putSecret: (record, { ifCiphertext } = {}) =>
      serialized(session, async () => {
        const vault = await load()
        const current = vault.s[record.scope]?.[record.provider]
        if (ifCiphertext !== undefined && current?.[0] !== ifCiphertext) return false
        const next = copy(vault)
        next.s[record.scope] ??= dict()
        ;(next.s[record.scope] as SessionVault['s'][string])[record.provider] = pack(record)
        await save(next)
        return true
      }),

    getSecret: (scope, provider) =>
      serialized(session, async () => {
        const packed = (await load()).s[scope]?.[provider]
        return packed ? unpack(scope, provider, packed) : null
      }),

    listSecrets: (scope) =>
      serialized(session, async () => {
        const providers = (await load()).s[scope] ?? {}
        return Object.keys(providers)
          .sort()
          .map((provider) =>
            unpack(scope, provider, providers[provider] as SessionVault['s'][string][string]),
          )
      }),

    deleteSecret: (scope, provider, options) =>
      serialized(session, async () => {
        const bound = expiryBound(options)
        const vault = await load()
        const packed = vault.s[scope]?.[provider]
        if (!packed || !deletable(unpack(scope, provider, packed), bound)) return false
        const next = copy(vault)
        const providers = next.s[scope] as SessionVault['s'][string]
        delete providers[provider]
        if (Object.keys(providers).length === 0) delete next.s[scope]
        await save(next)
        return true
      }),

    clearSecrets: (scope) =>
      serialized(session, async () => {
        const vault = await load()
        const count = Object.keys(vault.s[scope] ?? {}).length
        if (count === 0) return 0
        const next = copy(vault)
        delete next.s[scope]
        await save(next)
        return count
      }),

    scanSecrets: ({ limit, cursor }) =>
      serialized(session, async () => {
        let after: string | null = null
        if (cursor) {
          after = Buffer.from(cursor, 'base64url').toString()
          if (!after.includes(SCAN_SEPARATOR)) {
            throw new ValidationError('cursor is not one this store returned', { field: 'cursor' })
          }
        }
        const rest = all(await load()).filter(([position]) => after === null || position > after)
        const page = rest.slice(0, limit)
        const last = page[page.length - 1]
        return {
          items: page.map(([, record]) => record),
          nextCursor: rest.length > limit && last ? Buffer.from(last[0]).toString('base64url') : null,
        }
      }),

    async close() {},
  }
}

const unbound = () =>
  new ConfigError(
    'sessionStore() keeps values in the visitor session: bind it per request with vault.for({ session }) (or store.withSession(session))',
  )

/**
 * A SecretStore inside the visitor's session (express-session, @fastify/session, the sealed cookie,
 * or any SessionLike). Every record of a session lives under one session key.
 * @throws ConfigError when `key` is invalid; its methods throw ConfigError when used without a
 * session (bind it per request with `vault.for({ session })`).
 * @example
 * import { expressSession, sessionStore } from 'keywarden/stores/session'
 * const vault = createVault({ secret: process.env.KEYWARDEN_SECRET, store: sessionStore() })
 * app.post('/keys', async (req, res) => {
 *   await vault.for({ session: expressSession(req.session) }).set('openai', req.body.apiKey)
 * })
 */
export function sessionStore({ key = 'keywarden:vault' }: SessionStoreOptions = {}): SessionStore {
  if (typeof key !== 'string' || key.length === 0) throw new ConfigError('key must be a non-empty string')
  const reject = async (): Promise<never> => {
    throw unbound()
  }
  return {
    putSecret: reject,
    getSecret: reject,
    listSecrets: reject,
    deleteSecret: reject,
    clearSecrets: reject,
    scanSecrets: reject,
    withSession(session) {
      if (!session || typeof session.get !== 'function' || typeof session.set !== 'function') {
        throw new ValidationError('withSession needs a SessionLike with get, set and delete', {
          field: 'session',
        })
      }
      return bind(session, key)
    },
    async close() {},
  }
}
