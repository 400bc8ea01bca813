import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { assertStrongSecret } from '../secrets/strength.js'
import { sealedCookieSession } from '../stores/session/sealed-cookie.js'

/** A signed-in dashboard user. The admin key itself is never kept, only its id. */
export interface DashboardSession {
  id: string
  adminKeyId: string
  /** Who the provider keys on the dashboard belong to. */
  userId: string
  /** Derived from the session id under the app secret: every instance computes the same token. */
  csrfToken: string
  createdAt: number
  expiresAt: number
}

export interface SessionManagerOptions {
  secret: string
  ttlMs?: number
  now?: () => number
}

export interface SessionManager {
  /** Starts a session; `cookie` is the sealed value to put in the session cookie. */
  create(adminKeyId: string, userId: string): { session: DashboardSession; cookie: string }
  /** The session a cookie value holds, or null when it is missing, tampered with, foreign or expired. */
  read(cookie: string | undefined): DashboardSession | null
  /** A signed token for the sign-in form (no session exists yet): `nonce.signature`. */
  loginToken(nonce: string): string
  checkLoginToken(nonce: string | undefined, token: unknown): boolean
}

/** What the sealed cookie holds: session id, admin key id, user id, created at (epoch ms). */
interface Sealed {
  i: string
  k: string
  u: string
  c: number
}

// The name is bound into the seal as additional data; the HTTP cookie name (with or without the
// __Host- prefix) does not matter.
const SEAL_NAME = 'kw_dashboard_session'
const MAX_COOKIE_LENGTH = 4096

function safeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function isSealed(value: unknown): value is Sealed {
  const v = value as Sealed
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.i === 'string' &&
    typeof v.k === 'string' &&
    typeof v.u === 'string' &&
    Number.isFinite(v.c)
  )
}

/**
 * Stateless dashboard sessions: the cookie is the session, sealed with AES-256-GCM under a key
 * derived from the app secret (the vault's sealed cookie), so every instance sharing the secret
 * opens it and none keeps anything in memory. The cookie can be neither read, forged nor turned
 * into the admin key. It ends at its expiry; sign-out clears it; the routes re-check the admin key
 * on every request, so revoking or expiring the key ends every session of it on every instance.
 */
export function createSessionManager({
  secret,
  ttlMs = 8 * 3600_000,
  now = Date.now,
}: SessionManagerOptions): SessionManager {
  const bytes = assertStrongSecret(secret, 'the app secret (KEYWARDEN_SECRET, it seals dashboard sessions)')
  const signingKey = Buffer.from(
    hkdfSync('sha256', bytes, Buffer.alloc(0), 'keywarden/dashboard-session', 32),
  )
  const sign = (value: string) => createHmac('sha256', signingKey).update(value).digest('base64url')
  const cookies = sealedCookieSession({
    secret: bytes,
    cookieName: SEAL_NAME,
    maxAgeMs: ttlMs,
    now: () => new Date(now()),
  })

  const toSession = ({ i, k, u, c }: Sealed): DashboardSession => ({
    id: i,
    adminKeyId: k,
    userId: u,
    csrfToken: sign(`csrf:${i}`),
    createdAt: c,
    expiresAt: c + ttlMs,
  })

  return {
    create(adminKeyId, userId) {
      const sealed: Sealed = { i: randomBytes(32).toString('base64url'), k: adminKeyId, u: userId, c: now() }
      const jar = cookies.open(null)
      jar.set('s', sealed)
      const header = jar.commit() as string
      // `<name>=<value>; <attributes>`: the routes set the attributes themselves.
      const cookie = header.slice(SEAL_NAME.length + 1, header.indexOf(';'))
      return { session: toSession(sealed), cookie }
    },
    read(cookie) {
      if (typeof cookie !== 'string' || cookie.length === 0 || cookie.length > MAX_COOKIE_LENGTH) return null
      const sealed = cookies.open(`${SEAL_NAME}=${cookie}`).get('s')
      if (!isSealed(sealed)) return null
      const session = toSession(sealed)
      // The seal's own expiry is checked on open; this also refuses a cookie sealed under a longer ttl.
      return session.expiresAt > now() ? session : null
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
