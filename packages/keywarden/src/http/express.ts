/** keywarden/express — the same middleware, guards and routes for Express 5. */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express'
import express from 'express'
import type { Keywarden } from '../keys/keywarden.js'
import type { ApiKeyRecord } from '../stores/types.js'
import {
  type ByokRoutesOptions,
  byokRouteTable,
  createProviderGuard,
  type ProviderGuardOptions,
} from './byok.js'
import {
  type ApiKeyAuthOptions,
  authenticate,
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
import { isEncrypted, nodeAuthorization, nodeHeader } from './node.js'
import { HTTPS_REQUIRED, type Reply } from './problem.js'
import { type ReportRoutesOptions, reportRouteTable } from './reports.js'
import { BODY_TOO_LARGE, INVALID_BODY, MAX_BODY_BYTES, type Route } from './routes.js'
import { type VerifyRoutesOptions, verifyRouteTable } from './verify.js'

declare global {
  namespace Express {
    interface Request {
      /** The verified key's record, set by apiKeyAuth (undefined with `optional` when no key was sent). */
      apiKey?: ApiKeyRecord
      /** The warden that verified `apiKey`, set beside it; the scope guards apply its hierarchy. */
      apiKeyWarden?: Keywarden
    }
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
export type { OwnerDefaults, OwnerPolicy } from './owner-policy.js'
export type { ReportRoutesOptions } from './reports.js'
export type { OnError } from './routes.js'

function send(res: Response, reply: Reply): void {
  res.statusCode = reply.status
  for (const name in reply.headers) res.setHeader(name, reply.headers[name] as string)
  res.end(reply.body ?? undefined)
}

export function apiKeyAuth(options: ApiKeyAuthOptions<Request>): RequestHandler {
  const normalized = normalizeAuthOptions(options)
  const { header, bearer } = normalized
  const auth = createAuthenticator(normalized)
  return async function apiKeyAuth(req: Request, res: Response, next: NextFunction) {
    const key = readKey(
      nodeHeader(req.headers, header),
      bearer ? nodeAuthorization(req.headers, req.rawHeaders) : null,
    )
    const outcome = await authenticate(auth, req, key)
    if (outcome === null) return next()
    if (isReply(outcome)) return send(res, outcome)
    req.apiKey = outcome
    req.apiKeyWarden = auth.warden
    next()
  }
}

function guard(name: string, check: (req: Request) => Reply | null | Promise<Reply | null>): RequestHandler {
  const handler = async (req: Request, res: Response, next: NextFunction) => {
    const reply = await check(req)
    if (reply) return send(res, reply)
    next()
  }
  Object.defineProperty(handler, 'name', { value: name })
  return handler
}

export function requireScopes(...scopes: string[]): RequestHandler {
  const check = createScopeGuard(scopes, 'all', 'requireScopes')
  return guard('requireScopes', (req) => check(req.apiKey, req.apiKeyWarden))
}

export function requireAnyScope(...scopes: string[]): RequestHandler {
  const check = createScopeGuard(scopes, 'any', 'requireAnyScope')
  return guard('requireAnyScope', (req) => check(req.apiKey, req.apiKeyWarden))
}

export function requireProviderKey(provider: string, options: ProviderGuardOptions<Request>): RequestHandler {
  return guard('requireProviderKey', createProviderGuard([provider], options, 'requireProviderKey'))
}

export function requireAnyProviderKey(
  providers: readonly string[],
  options: ProviderGuardOptions<Request>,
): RequestHandler {
  const list = Array.isArray(providers) ? providers : [providers]
  return guard('requireAnyProviderKey', createProviderGuard(list, options, 'requireAnyProviderKey'))
}

export function requireHttps(options?: RequireHttpsOptions): RequestHandler {
  const hops = normalizeHttpsOptions(options)
  return async function requireHttps(req: Request, res: Response, next: NextFunction) {
    if (!isSecure(isEncrypted(req.socket), nodeHeader(req.headers, 'x-forwarded-proto'), hops)) {
      return send(res, HTTPS_REQUIRED)
    }
    next()
  }
}

const BODY_FAILED = Symbol('keywarden.bodyFailed')
const parseJson = express.json({ limit: MAX_BODY_BYTES, type: () => true, strict: false })

/** Parses JSON of any content type unless the app already did; a bad body becomes a 400, not an error. */
function jsonBody(req: Request, res: Response, next: NextFunction): void {
  const length = req.headers['content-length']
  // No body sent: leave req.body alone (body-parser would make it {}), like Hono and Fastify do.
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    next()
    return
  }
  parseJson(req, res, (error?: unknown) => {
    if (error) {
      ;(req as any)[BODY_FAILED] =
        (error as { status?: number }).status === 413 ? BODY_TOO_LARGE : INVALID_BODY
    }
    next()
  })
}

function expressRouter(routes: Route<Request>[]): Router {
  const router = express.Router()
  for (const route of routes) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'
    const handler = async (req: Request, res: Response) => {
      const reply = await route.handle({
        native: req,
        header: (name) => nodeHeader(req.headers, name),
        authorization: () => nodeAuthorization(req.headers, req.rawHeaders),
        param: (name) => String(req.params[name] ?? ''),
        query: (name) => {
          const value = req.query[name]
          return typeof value === 'string' ? value : value === undefined ? undefined : ''
        },
        address: req.socket?.remoteAddress,
        body: route.body ? ((req as any)[BODY_FAILED] ?? req.body) : undefined,
      })
      send(res, reply)
    }
    if (route.body) router[method](route.path, jsonBody, handler)
    else router[method](route.path, handler)
  }
  return router
}

/** An Express Router to mount with `app.use('/keys', managementRoutes({ warden, authorize }))`. */
export function managementRoutes(options: ManagementRoutesOptions<Request>): Router {
  return expressRouter(managementRouteTable(options))
}

/**
 * Usage and audit history: `GET /usage?ownerId=&from=&to=&granularity=` and
 * `GET /audit?targetId=&action=&actorId=&from=&to=&cursor=&limit=`, closed like managementRoutes
 * (owners see only their own keys' usage and entries, admins everything).
 * @throws ConfigError when an option is invalid (no warden, authorize not a function, …).
 * @example
 * app.use('/api', reportRoutes({ warden }))
 */
export function reportRoutes(options: ReportRoutesOptions<Request>): Router {
  return expressRouter(reportRouteTable(options))
}

/** An Express Router to mount with `app.use('/me/provider-keys', byokRoutes({ vault, identify }))`. */
export function byokRoutes(options: ByokRoutesOptions<Request>): Router {
  return expressRouter(byokRouteTable(options))
}

export type { VerifyAnswer, VerifyRoutesOptions } from './verify.js'
export { VERIFY_SCOPE } from './verify.js'

/** An Express Router to mount with `app.use('/verify', verifyRoutes({ warden }))`: POST /verify. */
export function verifyRoutes(options: VerifyRoutesOptions<Request>): Router {
  return expressRouter(verifyRouteTable(options))
}
