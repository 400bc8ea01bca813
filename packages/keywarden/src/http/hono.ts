/** keywarden/hono — middleware, guards and routes for Hono, straight over the web Request. */
import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import type { Keywarden, VerifyResult } from '../keys/keywarden.js'
import type { ApiKeyRecord } from '../stores/types.js'
import {
  type ByokRoutesOptions,
  byokRouteTable,
  createProviderGuard,
  type ProviderGuardOptions,
} from './byok.js'
import {
  type ApiKeyAuthOptions,
  createAuthenticator,
  createScopeGuard,
  isReply,
  isSecure,
  normalizeAuthOptions,
  normalizeHttpsOptions,
  type RequireHttpsOptions,
  readKey,
} from './core.js'
import { type ManagementRoutesOptions, managementRouteTable } from './management.js'
import { HTTPS_REQUIRED, toResponse } from './problem.js'
import { type ReportRoutesOptions, reportRouteTable } from './reports.js'
import { BODY_TOO_LARGE, INVALID_BODY, MAX_BODY_BYTES, type Route } from './routes.js'
import { type VerifyRoutesOptions, verifyRouteTable } from './verify.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified key's record, set by apiKeyAuth (absent with `optional` when no key was sent). */
    apiKey: ApiKeyRecord
    /** The warden that verified `apiKey`, set beside it; the scope guards apply its hierarchy. */
    apiKeyWarden: Keywarden
  }
}

export type { AccessOptions } from './access.js'
export type {
  ByokRoutesOptions,
  Identify,
  Identity,
  ProviderGuardOptions,
  VaultHandleLike,
  VaultLike,
} from './byok.js'
export type { ApiKeyAuthOptions, RejectCode, RejectInfo, RequireHttpsOptions } from './core.js'
export type { Caller, ManagementRoutesOptions } from './management.js'
export { ADMIN_SCOPE } from './management.js'
export type { OwnerDefaults, OwnerPolicy } from './owner-policy.js'
/** RFC 9457 problem answers, for apps (like keywarden-server) that refuse requests the same way. */
export { contentTooLarge, type Reply, tooManyRequests, toResponse } from './problem.js'
export type { ReportRoutesOptions } from './reports.js'
export type { OnError } from './routes.js'

export function apiKeyAuth(options: ApiKeyAuthOptions<Context>): MiddlewareHandler {
  const normalized = normalizeAuthOptions(options)
  const { header, bearer } = normalized
  const auth = createAuthenticator(normalized)
  const { warden } = auth
  // Not async: one promise chain per request instead of an async frame awaiting another.
  // biome-ignore lint/suspicious/noConfusingVoidType: Hono's MiddlewareHandler returns Promise<Response | void>
  return function apiKeyAuth(c, next): Promise<Response | void> {
    let key: string | null
    try {
      const headers = c.req.raw.headers
      key = readKey(headers.get(header), bearer ? headers.get('authorization') : null)
    } catch {
      // @hono/node-server builds web Headers on first use and throws, quoting the value, on bytes a
      // header may not carry (NUL, …). Such a request carries no key: '' is refused as MALFORMED,
      // and the error, which would show the value, is not passed on.
      key = ''
    }
    if (key === null) {
      const reply = auth.missing(c)
      return reply ? Promise.resolve(toResponse(reply)) : next()
    }
    // biome-ignore lint/suspicious/noConfusingVoidType: as above, next() resolves to void
    return warden.keys.verify(key).then<Response | void, Response>(
      (result: VerifyResult) => {
        const outcome = auth.settle(result, c)
        if (isReply(outcome)) return toResponse(outcome)
        c.set('apiKey', outcome)
        c.set('apiKeyWarden', warden)
        return next()
      },
      (error: unknown) => toResponse(auth.failed(error, c)),
    )
  }
}

export function requireScopes(...scopes: string[]): MiddlewareHandler {
  const check = createScopeGuard(scopes, 'all', 'requireScopes')
  return async function requireScopes(c, next) {
    const reply = check(c.get('apiKey'), c.get('apiKeyWarden'))
    if (reply) return toResponse(reply)
    await next()
  }
}

export function requireAnyScope(...scopes: string[]): MiddlewareHandler {
  const check = createScopeGuard(scopes, 'any', 'requireAnyScope')
  return async function requireAnyScope(c, next) {
    const reply = check(c.get('apiKey'), c.get('apiKeyWarden'))
    if (reply) return toResponse(reply)
    await next()
  }
}

export function requireProviderKey(
  provider: string,
  options: ProviderGuardOptions<Context>,
): MiddlewareHandler {
  const check = createProviderGuard([provider], options, 'requireProviderKey')
  return async function requireProviderKey(c, next) {
    const reply = await check(c)
    if (reply) return toResponse(reply)
    await next()
  }
}

export function requireAnyProviderKey(
  providers: readonly string[],
  options: ProviderGuardOptions<Context>,
): MiddlewareHandler {
  const check = createProviderGuard(
    Array.isArray(providers) ? providers : [providers],
    options,
    'requireAnyProviderKey',
  )
  return async function requireAnyProviderKey(c, next) {
    const reply = await check(c)
    if (reply) return toResponse(reply)
    await next()
  }
}

export function requireHttps(options?: RequireHttpsOptions): MiddlewareHandler {
  const hops = normalizeHttpsOptions(options)
  return async function requireHttps(c, next) {
    const direct = c.req.url.startsWith('https:')
    if (!isSecure(direct, c.req.raw.headers.get('x-forwarded-proto'), hops)) return toResponse(HTTPS_REQUIRED)
    await next()
  }
}

/** Reads at most MAX_BODY_BYTES without buffering more, then parses JSON. */
async function readBody(c: Context): Promise<unknown> {
  const length = Number(c.req.header('content-length') ?? 0)
  if (length > MAX_BODY_BYTES) return BODY_TOO_LARGE
  const stream = c.req.raw.body
  if (!stream) return undefined
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_BODY_BYTES) {
      await reader.cancel()
      return BODY_TOO_LARGE
    }
    chunks.push(value)
  }
  if (size === 0) return undefined
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return INVALID_BODY
  }
}

/** The peer address on @hono/node-server (c.env.incoming) or Bun (c.env.requestIP); else unknown. */
function socketAddress(c: Context): string | undefined {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } }
        requestIP?: (request: Request) => { address?: string } | null
      }
    | undefined
  if (!env || typeof env !== 'object') return undefined
  const node = env.incoming?.socket?.remoteAddress
  if (typeof node === 'string') return node
  return typeof env.requestIP === 'function' ? (env.requestIP(c.req.raw)?.address ?? undefined) : undefined
}

function honoApp(routes: Route<Context>[]): Hono {
  const app = new Hono()
  for (const route of routes) {
    app.on(route.method, route.path, async (c) => {
      const headers = c.req.raw.headers
      const reply = await route.handle({
        native: c,
        header: (name) => headers.get(name),
        authorization: () => headers.get('authorization'),
        param: (name) => c.req.param(name) ?? '',
        query: (name) => c.req.query(name),
        address: socketAddress(c),
        body: route.body ? await readBody(c) : undefined,
      })
      return toResponse(reply)
    })
  }
  return app
}

/** A Hono app to mount with `app.route('/keys', managementRoutes({ warden, authorize }))`. */
export function managementRoutes(options: ManagementRoutesOptions<Context>): Hono {
  return honoApp(managementRouteTable(options))
}

/**
 * Usage and audit history: `GET /usage?ownerId=&from=&to=&granularity=` and
 * `GET /audit?targetId=&action=&actorId=&from=&to=&cursor=&limit=`, closed like managementRoutes
 * (owners see only their own keys' usage and entries, admins everything).
 * @throws ConfigError when an option is invalid (no warden, authorize not a function, …).
 * @example
 * app.route('/api', reportRoutes({ warden }))
 */
export function reportRoutes(options: ReportRoutesOptions<Context>): Hono {
  return honoApp(reportRouteTable(options))
}

/** A Hono app to mount with `app.route('/me/provider-keys', byokRoutes({ vault, identify }))`. */
export function byokRoutes(options: ByokRoutesOptions<Context>): Hono {
  return honoApp(byokRouteTable(options))
}

/** Problem answers for apps (like keywarden-server) that add JSON routes of their own. */
export {
  type FieldProblem,
  invalidRequest,
  type Problem,
  problemReply,
  UNSUPPORTED_MEDIA_TYPE,
} from './problem.js'
export type { VerifyAnswer, VerifyRoutesOptions } from './verify.js'
export { VERIFY_SCOPE } from './verify.js'

/** A Hono app to mount with `app.route('/verify', verifyRoutes({ warden }))`: POST /verify. */
export function verifyRoutes(options: VerifyRoutesOptions<Context>): Hono {
  return honoApp(verifyRouteTable(options))
}
