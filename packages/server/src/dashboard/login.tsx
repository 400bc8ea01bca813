/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import type { Keywarden } from 'keywarden'
import { tooManyRequests, toResponse } from 'keywarden/hono'
import { currentActivity } from '../log/activity.js'
import type { LoginThrottle } from '../login-throttle.js'
import type { DashboardSession, SessionManager } from '../session.js'
import { type C, doctype, isHtmx, noStore } from './answers.js'
import {
  actorAddress,
  clearCookie,
  clientAddress,
  formLimit,
  isSameOrigin,
  LOGIN_COOKIE,
  readCookie,
  SESSION_COOKIE,
  type ServerEnv,
  writeCookie,
} from './security.js'
import { LoginPage } from './views/login-page.js'

export const ADMIN_SCOPE = 'keywarden:admin'

const LOGIN_TTL_SECONDS = 600

export interface LoginDeps {
  warden: Keywarden
  sessions: SessionManager
  throttle: LoginThrottle
  now: () => Date
  sessionTtlMs: number
}

/**
 * The live session of a request, or null. A session is live only while its admin key still
 * verifies: revoking the key signs it out on every instance (sessions are sealed cookies; the key
 * is looked up by id on each request).
 */
export function sessionLoader({ warden, sessions, now }: Pick<LoginDeps, 'warden' | 'sessions' | 'now'>) {
  return async function loadSession(c: C): Promise<DashboardSession | null> {
    const session = sessions.read(readCookie(c, SESSION_COOKIE))
    if (!session) return null
    const admin = await warden.keys.get(session.adminKeyId)
    const at = now().getTime()
    if (
      !admin ||
      admin.revokedAt ||
      (admin.expiresAt && admin.expiresAt.getTime() <= at) ||
      !admin.scopes.includes(ADMIN_SCOPE)
    ) {
      return null
    }
    return session
  }
}

/** Where a request without a live session goes: the sign-in page (htmx: by HX-Redirect). */
export function unauthorized(c: C) {
  noStore(c)
  if (isHtmx(c)) {
    c.header('HX-Redirect', '/login')
    return c.body(null, 401)
  }
  return c.redirect('/login', 303)
}

/** GET and POST /login: the sign-in form, throttled, with a one-time nonce against cross-site posts. */
export function loginRoutes(app: Hono<ServerEnv>, deps: LoginDeps): void {
  const { warden, sessions, throttle, sessionTtlMs } = deps
  const loadSession = sessionLoader(deps)

  function renderLogin(c: C, error?: string, status = 200) {
    const nonce = readCookie(c, LOGIN_COOKIE) ?? randomBytes(24).toString('base64url')
    writeCookie(c, LOGIN_COOKIE, nonce, LOGIN_TTL_SECONDS)
    noStore(c)
    return c.html(doctype(<LoginPage nonceToken={sessions.loginToken(nonce)} error={error} />), status as 200)
  }

  app.get('/login', async (c) => {
    if (await loadSession(c)) return c.redirect('/', 303)
    return renderLogin(c)
  })

  app.post('/login', formLimit(8), async (c) => {
    if (!isSameOrigin(c)) return c.text('Forbidden: cross-origin sign-in refused.', 403)
    const address = clientAddress(c)
    const wait = throttle.retryAfterMs(address)
    if (wait > 0) return toResponse(tooManyRequests('Too many failed sign-ins.', wait))
    const body = await c.req.parseBody()
    if (!sessions.checkLoginToken(readCookie(c, LOGIN_COOKIE), body._csrf)) {
      return renderLogin(c, 'The sign-in form expired. Please try again.', 403)
    }
    const result = await warden.keys.verify(body.key, { scopes: [ADMIN_SCOPE] })
    const requestId = currentActivity()?.reqId
    if (!result.valid) {
      throttle.failed(address)
      // Never the presented key: only the refusal code and, when the key exists, its id.
      await warden.events.emit({
        type: 'session.failed',
        actor: { type: 'system', ...actorAddress(c) },
        target: { type: 'session', id: result.key?.id ?? 'unknown' },
        detail: { code: result.code },
        ...(requestId ? { requestId } : {}),
        ...(result.key ? { ownerId: result.key.ownerId } : {}),
      })
      const reason =
        result.code === 'INSUFFICIENT_SCOPES'
          ? `That key lacks the ${ADMIN_SCOPE} scope.`
          : result.code === 'REVOKED' || result.code === 'EXPIRED'
            ? `That key is ${result.code === 'REVOKED' ? 'revoked' : 'expired'}.`
            : 'That is not a valid admin key.'
      return renderLogin(c, reason, 401)
    }
    const userId = result.key.ownerId ?? `key:${result.key.id}`
    // A fresh sealed session on every sign-in replaces whatever cookie was planted before it.
    const { cookie } = sessions.create(result.key.id, userId)
    writeCookie(c, SESSION_COOKIE, cookie, Math.floor(sessionTtlMs / 1000))
    await warden.events.emit({
      type: 'session.created',
      actor: { type: 'session', id: result.key.id, ...actorAddress(c) },
      target: { type: 'session', id: result.key.id },
      ownerId: result.key.ownerId,
      ...(requestId ? { requestId } : {}),
    })
    clearCookie(c, LOGIN_COOKIE)
    noStore(c)
    return c.redirect('/', 303)
  })
}
