import { ConfigError } from '../../errors.js'
import type { SessionLike } from '../types.js'

/** The part of @fastify/session's `request.session` the vault uses. */
export interface FastifySessionObject {
  get(key: string): unknown
  set(key: string, value: unknown): void
}

const adapters = new WeakMap<object, SessionLike>()

/** `request.session` of @fastify/session as a SessionLike (one adapter per session, so writes queue together). */
export function fastifySession(session: FastifySessionObject | null | undefined): SessionLike {
  if (!session || typeof session.get !== 'function' || typeof session.set !== 'function') {
    throw new ConfigError(
      'request.session is missing: register @fastify/cookie and @fastify/session before this route',
    )
  }
  let adapter = adapters.get(session)
  if (!adapter) {
    adapter = {
      get: (key) => session.get(key),
      set: (key, value) => session.set(key, value),
      // @fastify/session has no delete; an undefined value is left out when the session is saved.
      delete: (key) => session.set(key, undefined),
    }
    adapters.set(session, adapter)
  }
  return adapter
}
