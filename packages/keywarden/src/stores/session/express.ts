import { ConfigError } from '../../errors.js'
import type { SessionLike } from '../types.js'

/** What express-session puts on `req.session`: an object whose own properties are saved. */
export type ExpressSessionObject = object

const adapters = new WeakMap<object, SessionLike>()

/** `req.session` of express-session as a SessionLike (one adapter per session, so writes queue together). */
export function expressSession(session: ExpressSessionObject | null | undefined): SessionLike {
  if (!session || typeof session !== 'object') {
    throw new ConfigError('req.session is missing: add the express-session middleware before this route')
  }
  let adapter = adapters.get(session)
  if (!adapter) {
    const data = session as Record<string, unknown>
    adapter = {
      get: (key) => data[key],
      set: (key, value) => {
        data[key] = value
      },
      delete: (key) => {
        delete data[key]
      },
    }
    adapters.set(session, adapter)
  }
  return adapter
}
