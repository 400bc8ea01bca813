import { timingSafeEqual } from 'node:crypto'
import type { Context, Env, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { contentTooLarge, toResponse } from 'keywarden/hono'
import type { DashboardSession } from '../session.js'

/** No inline script or style anywhere: scripts and styles come from /assets only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** Headers every response of the server carries. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next()
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('X-Frame-Options', 'DENY')
    c.header('Referrer-Policy', 'same-origin')
    c.header('Cross-Origin-Opener-Policy', 'same-origin')
    c.header('Cross-Origin-Resource-Policy', 'same-origin')
    if (isHttps(c)) c.header('Strict-Transport-Security', 'max-age=31536000')
  }
}

/** Context variables of the server's routes. */
export interface ServerEnv extends Env {
  Variables: {
    session: DashboardSession
    /** Believe X-Forwarded-Proto (set when a TLS-terminating proxy sits in front). */
    trustProxy: boolean
  }
}

export function isHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  return (c as Context<ServerEnv>).get('trustProxy') === true && c.req.header('x-forwarded-proto') === 'https'
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the address that proxy saw
 * (the rightmost X-Forwarded-For entry; entries to its left are whatever the client sent).
 */
export function clientAddress(c: Context): string {
  if ((c as Context<ServerEnv>).get('trustProxy') === true) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim()
    if (forwarded) return forwarded
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress ?? 'unknown'
}

/** The client address for an audit actor: `{ address }`, or nothing when it is unknown. */
export function actorAddress(c: Context): { address?: string } {
  const address = clientAddress(c)
  return address === 'unknown' ? {} : { address }
}

/** `__Host-` cookies need Secure; over plain http (local development) the name drops the prefix. */
function cookieName(c: Context, base: string): string {
  return isHttps(c) ? `__Host-${base}` : base
}

export const SESSION_COOKIE = 'kw_session'
export const LOGIN_COOKIE = 'kw_login'

export function readCookie(c: Context, base: string): string | undefined {
  return getCookie(c, cookieName(c, base))
}

export function writeCookie(c: Context, base: string, value: string, maxAgeSeconds: number): void {
  setCookie(c, cookieName(c, base), value, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    path: '/',
    maxAge: maxAgeSeconds,
  })
}

export function clearCookie(c: Context, base: string): void {
  deleteCookie(c, cookieName(c, base), { path: '/', secure: isHttps(c) })
}

export function safeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Cross-site requests are refused before any token is looked at: a browser always sends Origin on
 * a cross-origin POST, and Sec-Fetch-Site where it knows the initiator.
 */
export function isSameOrigin(c: Context): boolean {
  const origin = c.req.header('origin')
  if (origin !== undefined) {
    try {
      const parsed = new URL(origin)
      // Host, not the whole origin: behind a TLS-terminating proxy the request URL says http.
      return (
        (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
        parsed.host === new URL(c.req.url).host
      )
    } catch {
      return false // 'null' (sandboxed or file pages) and garbage
    }
  }
  const site = c.req.header('sec-fetch-site')
  return site === undefined || site === 'same-origin' || site === 'none'
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The CSRF token a request presents: htmx sends a header, plain forms a `_csrf` field. */
export async function presentedToken(c: Context): Promise<string | undefined> {
  const header = c.req.header('x-csrf-token')
  if (header) return header
  const type = c.req.header('content-type') ?? ''
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    const body = await c.req.parseBody()
    const field = body._csrf
    return typeof field === 'string' ? field : undefined
  }
  return undefined
}

/**
 * Every state-changing request must come from our own origin and carry the session's token: an
 * HMAC of the sealed session's id under the app secret, so every instance checks it alike and the
 * token is never in a cookie (a cross-site page cannot read it from the dashboard's HTML).
 */
export function csrfProtection(
  reject: (c: Context<ServerEnv>, reason: string) => Response,
): MiddlewareHandler<ServerEnv> {
  return async function csrfProtection(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next()
    if (!isSameOrigin(c)) return reject(c, 'cross-origin request refused')
    const session = c.get('session') as DashboardSession | undefined
    const token = await presentedToken(c)
    if (!session || !token || !safeEqualText(token, session.csrfToken)) {
      return reject(c, 'missing or invalid CSRF token')
    }
    return next()
  }
}

/** Refuses a form body over `kib` KiB with a 413 problem (Hono's default would throw). */
export function formLimit(kib: number): MiddlewareHandler {
  const tooLarge = contentTooLarge(`The form may be at most ${kib} KiB.`)
  return bodyLimit({ maxSize: kib * 1024, onError: () => toResponse(tooLarge) })
}
