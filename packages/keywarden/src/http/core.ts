/**
 * The framework-neutral decisions of keywarden's HTTP layer. Adapters (hono.ts, express.ts,
 * fastify.ts) read headers, call these, and write the returned Reply; they decide nothing.
 */
import { ConfigError } from '../errors.js'
import type { Keywarden, VerifyFailureCode, VerifyResult } from '../keys/keywarden.js'
import { grants, isScope } from '../keys/scopes.js'
import type { ApiKeyRecord } from '../stores/types.js'
import {
  insufficientScopes,
  type Reply,
  rateLimited,
  UNAUTHORIZED,
  UNAVAILABLE,
  USAGE_EXCEEDED,
} from './problem.js'

/** Why a request was refused; only `onReject` sees it, never the client. */
export type RejectCode = 'MISSING' | VerifyFailureCode | 'STORE_UNAVAILABLE'

export interface RejectInfo {
  code: RejectCode
  /** The record of a key that exists but was refused (expired, revoked, …). */
  key?: ApiKeyRecord
  /** What the store threw, for STORE_UNAVAILABLE. */
  error?: unknown
  /** The HTTP status sent. */
  status: number
}

export interface ApiKeyAuthOptions<Req> {
  warden: Keywarden
  /** Header carrying the key; case-insensitive. */
  header?: string
  /** Also accept `Authorization: Bearer <key>`. */
  bearer?: boolean
  /** Let requests without any key through (with no record); a key that is present must be valid. */
  optional?: boolean
  /** Called with the specific reason for every refusal, e.g. to log it. Never receives the key. */
  onReject?: (info: RejectInfo, request: Req) => void
}

export interface NormalizedAuthOptions<Req> {
  warden: Keywarden
  header: string
  bearer: boolean
  optional: boolean
  onReject: ((info: RejectInfo, request: Req) => void) | undefined
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export function assertWarden(warden: unknown, where: string): asserts warden is Keywarden {
  const keys = (warden as Keywarden | undefined)?.keys
  if (typeof keys?.verify !== 'function' || typeof keys.create !== 'function') {
    throw new ConfigError(`${where}: warden must be the object createKeywarden() returns`)
  }
}

export function normalizeAuthOptions<Req>(
  options: ApiKeyAuthOptions<Req>,
  where = 'apiKeyAuth',
): NormalizedAuthOptions<Req> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where} needs an options object: { warden }`)
  }
  const { warden, header = 'x-api-key', bearer = true, optional = false, onReject } = options
  assertWarden(warden, where)
  if (typeof header !== 'string' || !TOKEN.test(header) || header.toLowerCase() === 'authorization') {
    throw new ConfigError(
      `${where}: header must be an HTTP header name such as "x-api-key" (use bearer: true for Authorization)`,
    )
  }
  if (typeof bearer !== 'boolean') throw new ConfigError(`${where}: bearer must be true or false`)
  if (typeof optional !== 'boolean') throw new ConfigError(`${where}: optional must be true or false`)
  if (onReject !== undefined && typeof onReject !== 'function') {
    throw new ConfigError(`${where}: onReject must be a function (info, request) => void`)
  }
  return { warden, header: header.toLowerCase(), bearer, optional, onReject }
}

/**
 * The candidate key of a request: null when none is sent. A value that cannot be one key
 * (repeated Authorization headers, X-API-Key and Bearer that differ, an empty Bearer) comes back
 * as '', which verify() refuses as MALFORMED before any hashing or store call.
 */
export function readKey(
  apiKey: string | null | undefined,
  authorization: string | readonly string[] | null | undefined,
): string | null {
  let token: string | null = null
  if (authorization !== null && authorization !== undefined) {
    if (typeof authorization !== 'string') {
      if (authorization.length > 1) return ''
      authorization = authorization[0] ?? ''
    }
    if (authorization.length >= 6 && authorization.slice(0, 6).toLowerCase() === 'bearer') {
      token =
        authorization.length > 7 && authorization.charCodeAt(6) === 32 ? authorization.slice(7).trim() : ''
    }
  }
  const direct = apiKey === null || apiKey === undefined || apiKey === '' ? null : apiKey.trim()
  if (direct === null || direct === '') return token
  if (token !== null && token !== direct) return ''
  return direct
}

/** The Reply for a failed verification. */
export function rejectionReply(result: Extract<VerifyResult, { valid: false }>): Reply {
  switch (result.code) {
    case 'INSUFFICIENT_SCOPES':
      return insufficientScopes(result.missingScopes ?? [])
    case 'RATE_LIMITED':
      return rateLimited(result as { retryAfterMs?: number; limit?: number; remaining?: number })
    case 'USAGE_EXCEEDED':
      return USAGE_EXCEEDED
    default:
      return UNAUTHORIZED
  }
}

export type AuthOutcome = ApiKeyRecord | Reply | null

export function isReply(outcome: AuthOutcome): outcome is Reply {
  return outcome !== null && typeof (outcome as Reply).status === 'number'
}

export interface Authenticator<Req> {
  warden: Keywarden
  /** For a request without a key: null to continue (optional) or the 401. */
  missing(request: Req): Reply | null
  /** The verification threw: 503, never a false accept. */
  failed(error: unknown, request: Req): Reply
  /** The record to accept, or the Reply for a refusal. */
  settle(result: VerifyResult, request: Req): ApiKeyRecord | Reply
}

/**
 * The pieces apiKeyAuth runs per request, synchronous around the one `await verify()` the adapter
 * does itself, so the hot path has no extra promise.
 */
export function createAuthenticator<Req>(options: NormalizedAuthOptions<Req>): Authenticator<Req> {
  const { warden, optional, onReject } = options
  return {
    warden,
    missing(request) {
      if (optional) return null
      onReject?.({ code: 'MISSING', status: 401 }, request)
      return UNAUTHORIZED
    },
    failed(error, request) {
      onReject?.({ code: 'STORE_UNAVAILABLE', error, status: 503 }, request)
      return UNAVAILABLE
    },
    settle(result, request) {
      if (result.valid) return result.key
      const reply = rejectionReply(result)
      if (onReject) {
        const info: RejectInfo = { code: result.code, status: reply.status }
        if (result.key) info.key = result.key
        onReject(info, request)
      }
      return reply
    },
  }
}

/** The whole check in one call, for adapters where one more promise does not matter. */
export async function authenticate<Req>(
  auth: Authenticator<Req>,
  request: Req,
  key: string | null,
): Promise<AuthOutcome> {
  if (key === null) return auth.missing(request)
  let result: VerifyResult
  try {
    result = await auth.warden.keys.verify(key)
  } catch (error) {
    return auth.failed(error, request)
  }
  return auth.settle(result, request)
}

export function assertScopes(scopes: readonly unknown[], where: string): string[] {
  if (scopes.length === 0 || !scopes.every(isScope)) {
    throw new ConfigError(`${where} needs one or more "resource:action" scopes, e.g. ${where}('users:read')`)
  }
  return scopes as string[]
}

/**
 * requireScopes / requireAnyScope: direct and `resource:*` grants are checked in place; anything
 * else is asked of the warden apiKeyAuth stored beside the record (`apiKeyWarden`), so that
 * warden's scope hierarchy counts too. The guard spends nothing: no second verification.
 */
export function createScopeGuard(scopes: readonly unknown[], requirement: 'all' | 'any', where: string) {
  const required = assertScopes(scopes, where)
  return function checkScopes(
    record: ApiKeyRecord | null | undefined,
    warden: Keywarden | null | undefined,
  ): Reply | null {
    if (!record) return UNAUTHORIZED
    const granted = record.scopes
    if (
      requirement === 'all'
        ? required.every((s) => grants(granted, s))
        : required.some((s) => grants(granted, s))
    )
      return null
    const missing = warden
      ? warden.keys.missingScopes(granted, required, requirement)
      : required.filter((s) => !grants(granted, s))
    return missing.length === 0 ? null : insufficientScopes(missing)
  }
}

export interface RequireHttpsOptions {
  /**
   * Trust `X-Forwarded-Proto` from proxies in front of the app: true = one proxy (its value is the
   * rightmost one), a number = that many proxies. Default false: only a TLS socket counts.
   */
  trustProxy?: boolean | number
}

export function normalizeHttpsOptions(options: RequireHttpsOptions = {}): number {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('requireHttps takes an options object: { trustProxy?: boolean | number }')
  }
  const { trustProxy = false } = options
  if (trustProxy === true) return 1
  if (trustProxy === false) return 0
  if (typeof trustProxy !== 'number' || !Number.isSafeInteger(trustProxy) || trustProxy < 0) {
    throw new ConfigError('requireHttps: trustProxy must be true, false or the number of proxies in front')
  }
  return trustProxy
}

/** Whether the client reached us over HTTPS, by the socket or by as many proxy hops as trusted. */
export function isSecure(direct: boolean, forwardedProto: string | null | undefined, hops: number): boolean {
  if (direct) return true
  if (hops === 0 || !forwardedProto) return false
  const values = forwardedProto.split(',')
  const seen = values[Math.max(0, values.length - hops)] ?? ''
  return seen.trim().toLowerCase() === 'https'
}

/** Counts a header's occurrences in Node's rawHeaders (Node keeps only the first Authorization). */
export function repeatedHeader(rawHeaders: readonly string[] | undefined, name: string): boolean {
  if (!rawHeaders) return false
  let seen = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const header = rawHeaders[i] as string
    if (header.length === name.length && header.toLowerCase() === name && ++seen > 1) return true
  }
  return false
}
