export { type ExpressSessionObject, expressSession } from './session/express.js'
export { type FastifySessionObject, fastifySession } from './session/fastify.js'
export {
  MAX_COOKIE_BYTES,
  type SealedCookieOptions,
  type SealedCookieSession,
  type SealedCookies,
  sealedCookieSession,
} from './session/sealed-cookie.js'
export { type SessionStore, type SessionStoreOptions, sessionStore } from './session/session-store.js'
