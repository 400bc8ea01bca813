import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { ConfigError, ValidationError } from '../../errors.js'
import { assertStrongSecret, type SecretInput } from '../../secrets/strength.js'
import type { SessionLike } from '../types.js'

export interface SealedCookieOptions {
  /** At least 32 random bytes. A list rotates: the first seals, every one opens. */
  secret: SecretInput | readonly SecretInput[]
  /** Default `kw_vault`. */
  cookieName?: string
  /** Send over HTTPS only. Default true; false only for local http development. */
  secure?: boolean
  /** Default `Lax`. */
  sameSite?: 'Strict' | 'Lax' | 'None'
  /** Default `/`. */
  path?: string
  domain?: string
  /** Cookie lifetime, renewed on every write; null = browser session. Default 30 days. */
  maxAgeMs?: number | null
  now?: () => Date
}

export interface SealedCookieSession extends SessionLike {
  /** Whether a `set` or `delete` changed the session since it was opened. */
  readonly changed: boolean
  /** The Set-Cookie header value to send, or null when nothing changed. */
  commit(): string | null
}

export interface SealedCookies {
  readonly cookieName: string
  /** Opens the session from a request's Cookie header; a missing, expired or tampered cookie opens empty. */
  open(cookieHeader: string | null | undefined): SealedCookieSession
}

/** Browsers drop a cookie whose name, value and attributes exceed 4096 bytes. */
export const MAX_COOKIE_BYTES = 4096
const VERSION = 's1'
const IV_BYTES = 12
const TAG_BYTES = 16
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/

interface Sealed {
  /** Expiry, epoch ms, or null for a browser-session cookie. */
  e: number | null
  d: Record<string, unknown>
}

function deriveKey(secret: Buffer): KeyObject {
  return createSecretKey(
    Buffer.from(
      hkdfSync('sha256', secret, Buffer.from('keywarden/cookie/v1'), 'keywarden sealed cookie', 32),
    ),
  )
}

/**
 * A session kept in one AES-256-GCM sealed cookie, for apps without a session middleware. The
 * browser holds only ciphertext; the cookie name is bound as additional data.
 */
export function sealedCookieSession(options: SealedCookieOptions): SealedCookies {
  if (!options || typeof options !== 'object') throw new ConfigError('sealedCookieSession needs { secret }')
  const {
    cookieName = 'kw_vault',
    secure = true,
    sameSite = 'Lax',
    path = '/',
    domain,
    maxAgeMs = 30 * 24 * 3600_000,
    now = () => new Date(),
  } = options
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret]
  if (secrets.length === 0) throw new ConfigError('secret must hold at least one secret')
  const keys = secrets.map((secret, i) => deriveKey(assertStrongSecret(secret, `secret[${i}]`)))
  if (!COOKIE_NAME.test(cookieName)) throw new ConfigError('cookieName must be 1-64 cookie token characters')
  if (!['Strict', 'Lax', 'None'].includes(sameSite))
    throw new ConfigError('sameSite must be Strict, Lax or None')
  if (sameSite === 'None' && !secure)
    throw new ConfigError('sameSite None needs secure: true (browsers insist)')
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s]/.test(path)) {
    throw new ConfigError('path must start with / and hold no ; or spaces')
  }
  if (domain !== undefined && (typeof domain !== 'string' || !/^[A-Za-z0-9.-]+$/.test(domain))) {
    throw new ConfigError('domain must be a host name')
  }
  if (maxAgeMs !== null && (!Number.isInteger(maxAgeMs) || maxAgeMs <= 0)) {
    throw new ConfigError(
      'maxAgeMs must be a positive integer of milliseconds, or null for a browser-session cookie',
    )
  }
  const aad = Buffer.from(`${VERSION}|${cookieName}`)
  const sealKey = keys[0] as KeyObject

  const attributes = (maxAgeSeconds: number | null) =>
    [
      `Path=${path}`,
      domain ? `Domain=${domain}` : null,
      maxAgeSeconds === null ? null : `Max-Age=${maxAgeSeconds}`,
      'HttpOnly',
      secure ? 'Secure' : null,
      `SameSite=${sameSite}`,
    ]
      .filter(Boolean)
      .join('; ')

  const seal = (payload: Sealed): string => {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', sealKey, iv)
    cipher.setAAD(aad)
    // Deflate first: the vault's values are base64 text, which compresses back toward its raw size.
    const packed = deflateRawSync(Buffer.from(JSON.stringify(payload), 'utf8'))
    const body = Buffer.concat([cipher.update(packed), cipher.final(), cipher.getAuthTag()])
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`
  }

  const unseal = (value: string): Sealed | null => {
    const parts = value.split('.')
    if (parts.length !== 3 || parts[0] !== VERSION) return null
    const iv = Buffer.from(parts[1] as string, 'base64url')
    const body = Buffer.from(parts[2] as string, 'base64url')
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return null
    for (const key of keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv)
        decipher.setAAD(aad)
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
        // final() checks the tag: nothing is inflated or parsed unless the cookie is authentic.
        const packed = Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final(),
        ])
        const json = inflateRawSync(packed, { maxOutputLength: 256 * 1024 }).toString('utf8')
        const payload = JSON.parse(json) as Sealed
        if (!payload || typeof payload.d !== 'object' || payload.d === null) return null
        if (payload.e !== null && !(typeof payload.e === 'number' && payload.e > now().getTime())) return null
        return payload
      } catch {
        // Not this key (or tampered): try the next one.
      }
    }
    return null
  }

  const readCookie = (header: string | null | undefined): string | null => {
    if (typeof header !== 'string') return null
    for (const part of header.split(';')) {
      const eq = part.indexOf('=')
      if (eq > 0 && part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim()
    }
    return null
  }

  return {
    cookieName,
    open(cookieHeader) {
      const raw = readCookie(cookieHeader)
      let data: Record<string, unknown> = Object.assign(Object.create(null), raw ? unseal(raw)?.d : undefined)
      let pending: string | null = null
      let changed = false

      const write = (next: Record<string, unknown>) => {
        let header: string
        if (Object.keys(next).length === 0) {
          header = `${cookieName}=; ${attributes(0)}`
        } else {
          const expiry = maxAgeMs === null ? null : now().getTime() + maxAgeMs
          header = `${cookieName}=${seal({ e: expiry, d: next })}; ${attributes(maxAgeMs === null ? null : Math.floor(maxAgeMs / 1000))}`
          const bytes = Buffer.byteLength(header)
          if (bytes > MAX_COOKIE_BYTES) {
            throw new ValidationError(
              `the sealed cookie would be ${bytes} bytes, over the ${MAX_COOKIE_BYTES} bytes browsers keep; nothing was changed. Store fewer keys per visitor, or keep them in express-session, @fastify/session or a database store`,
              { field: 'session' },
            )
          }
        }
        data = next
        pending = header
        changed = true
      }

      return {
        get changed() {
          return changed
        },
        get: (key) => data[key],
        set(key, value) {
          const next = Object.assign(Object.create(null), data)
          if (value === undefined) delete next[key]
          else next[key] = JSON.parse(JSON.stringify(value))
          write(next)
        },
        delete(key) {
          if (!(key in data)) return
          const next = Object.assign(Object.create(null), data)
          delete next[key]
          write(next)
        },
        commit: () => pending,
      }
    },
  }
}
