import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/** A signed-in dashboard user. The admin key itself is never kept, only its id. */
export interface DashboardSession {
  id: string
  adminKeyId: string
  /** Who the provider keys on the dashboard belong to. */
  userId: string
  csrfToken: string
  createdAt: number
  expiresAt: number
}

export interface SessionManagerOptions {
  secret: string
  ttlMs?: number
  maxSessions?: number
  now?: () => number
}

export interface SessionManager {
  /** Starts a session; `cookie` is the signed value to put in the session cookie. */
  create(adminKeyId: string, userId: string): { session: DashboardSession; cookie: string }
  /** The live session a cookie value names, or null when it is unsigned, unknown or expired. */
  read(cookie: string | undefined): DashboardSession | null
  destroy(cookie: string | undefined): void
  /** Ends every session of one admin key (it was revoked or deleted). */
  destroyForKey(adminKeyId: string): void
  /** A signed token for the sign-in form (no session exists yet): `nonce.signature`. */
  loginToken(nonce: string): string
  checkLoginToken(nonce: string | undefined, token: unknown): boolean
}

function safeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Server-side dashboard sessions in process memory. The cookie carries only a random id and an
 * HMAC over it (key derived from the app secret with HKDF), so a cookie can be neither forged nor
 * turned into the admin key. Sessions end on sign-out, expiry or restart.
 */
export function createSessionManager({
  secret,
  ttlMs = 8 * 3600_000,
  maxSessions = 10_000,
  now = Date.now,
}: SessionManagerOptions): SessionManager {
  const signingKey = Buffer.from(
    hkdfSync('sha256', secret, Buffer.alloc(0), 'keywarden/dashboard-session', 32),
  )
  const sessions = new Map<string, DashboardSession>()
  const sign = (value: string) => createHmac('sha256', signingKey).update(value).digest('base64url')

  function prune(): void {
    const at = now()
    for (const [id, session] of sessions) if (session.expiresAt <= at) sessions.delete(id)
    // Still full: drop the oldest (Map keeps insertion order).
    while (sessions.size >= maxSessions) {
      const oldest = sessions.keys().next().value
      if (oldest === undefined) break
      sessions.delete(oldest)
    }
  }

  function idOf(cookie: string | undefined): string | null {
    if (typeof cookie !== 'string' || cookie.length > 200) return null
    const dot = cookie.indexOf('.')
    if (dot < 1) return null
    const id = cookie.slice(0, dot)
    return safeEqualText(sign(`sid:${id}`), cookie.slice(dot + 1)) ? id : null
  }

  return {
    create(adminKeyId, userId) {
      prune()
      const id = randomBytes(32).toString('base64url')
      const at = now()
      const session: DashboardSession = {
        id,
        adminKeyId,
        userId,
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: at,
        expiresAt: at + ttlMs,
      }
      sessions.set(id, session)
      return { session, cookie: `${id}.${sign(`sid:${id}`)}` }
    },
    read(cookie) {
      const id = idOf(cookie)
      if (id === null) return null
      const session = sessions.get(id)
      if (!session) return null
      if (session.expiresAt <= now()) {
        sessions.delete(id)
        return null
      }
      return session
    },
    destroy(cookie) {
      const id = idOf(cookie)
      if (id !== null) sessions.delete(id)
    },
    destroyForKey(adminKeyId) {
      for (const [id, session] of sessions) if (session.adminKeyId === adminKeyId) sessions.delete(id)
    },
    loginToken(nonce) {
      return sign(`login:${nonce}`)
    },
    checkLoginToken(nonce, token) {
      if (typeof nonce !== 'string' || nonce.length < 16 || typeof token !== 'string') return false
      return safeEqualText(sign(`login:${nonce}`), token)
    },
  }
}
