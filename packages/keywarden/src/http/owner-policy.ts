/**
 * The owner policy of managementRoutes: what a caller that `authorize` names by `ownerId` (not an
 * admin) may ask for on its own keys. Admins are never held to it.
 */
import { ConfigError, ValidationError } from '../errors.js'
import type { Keywarden } from '../keys/keywarden.js'
import { DAY_MS, MAX_PERIOD_MS, validateRateLimits, validateRefill } from '../keys/limits.js'
import { ADMIN_FIELDS } from '../keys/schema.js'
import { createScopeChecker } from '../keys/scopes.js'
import { validateDate, validateNonNegativeInt } from '../keys/validate.js'
import type { ApiKeyRecord, RateLimitRule, Refill } from '../stores/types.js'
import { looserRateLimits, looserRefill, looserRemaining } from './owner-limits.js'

export interface OwnerDefaults {
  /** Credits of an owner's new key, and the most it may ask for; null or absent = unlimited. */
  remaining?: number | null
  /** Refill of an owner's new key, and the most generous it may ask for; needs `remaining`. */
  refill?: Refill | null
  /** Rate limits of an owner's new key; an owner's own rules must be at least as strict. */
  rateLimits?: RateLimitRule[]
  /** Expiry of an owner's new key, from now; default maxExpiresInMs (or none). */
  expiresInMs?: number | null
}

export interface OwnerPolicy {
  /** Scopes an owner may put on its keys; `users:*` allows every `users:` scope. Default: none. */
  scopes?: readonly string[]
  /** What an owner's new key gets for each limit it leaves out, and the loosest it may ask for. */
  defaults?: OwnerDefaults
  /** The latest expiry an owner may set or keep asking for, from now. Default: no bound. */
  maxExpiresInMs?: number | null
  /** The longest `expireOldInMs` of an owner's roll. Default: one day, or maxExpiresInMs if shorter. */
  maxGraceMs?: number
}

/** Each check answers null when the owner may go ahead, else the 403 detail. */
export interface OwnerRules {
  /** Also fills the limits and expiry the owner left out from the defaults. */
  create(fields: Record<string, unknown>, now: Date): string | null
  update(body: Record<string, unknown>, record: ApiKeyRecord, now: Date): string | null
  roll(expireOldInMs: number): string | null
}

const MAX_DURATION_MS = 100 * MAX_PERIOD_MS
const MAX_GRACE_MS = MAX_PERIOD_MS
const WHERE = 'managementRoutes: ownerPolicy'
const NO_POLICY =
  'Owners can create keys only under an ownerPolicy; ask an admin (or set managementRoutes({ ownerPolicy })).'
const LIMITS_FIXED = `Only an admin can change a key's credits and rate limits (${ADMIN_FIELDS.join(', ')}).`
const MANAGEMENT = 'Only an admin can grant keywarden:* scopes.'

const scopeFormat = createScopeChecker()

/** Non-admins may not hand out management rights to themselves. */
function grantsManagement(scopes: unknown): boolean {
  return Array.isArray(scopes) && scopes.some((s) => typeof s === 'string' && s.startsWith('keywarden:'))
}

function configured<T>(check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (error instanceof ValidationError) throw new ConfigError(`${WHERE}.${error.message}`, { cause: error })
    throw error
  }
}

function objectWithFields(value: unknown, at: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${at} must be an object with any of: ${allowed.join(', ')}`)
  }
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name))
      throw new ConfigError(`${at}.${name} is not an option; use ${allowed.join(', ')}`)
  }
  return value as Record<string, unknown>
}

function duration(value: unknown, field: string, max: number): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${WHERE}.${field} must be a number of milliseconds from 1 to ${max}, or null`)
  }
  return value
}

interface Normalized {
  scopes: string[]
  remaining: number | null
  refill: Refill | null
  rateLimits: RateLimitRule[]
  expiresInMs: number | null
  maxExpiresInMs: number | null
  maxGraceMs: number
}

function normalize(policy: unknown, warden: Keywarden): Normalized {
  const given = objectWithFields(policy, WHERE, ['scopes', 'defaults', 'maxExpiresInMs', 'maxGraceMs'])
  const scopes = configured(() => scopeFormat.validate(given.scopes ?? [], 'scopes'))
  for (const scope of scopes) {
    if (grantsManagement([scope]) || warden.keys.missingScopes([scope], ['keywarden:admin']).length === 0) {
      throw new ConfigError(`${WHERE}.scopes must not allow "${scope}": owners would become admins`)
    }
  }
  const defaults = objectWithFields(given.defaults ?? {}, `${WHERE}.defaults`, [
    'remaining',
    'refill',
    'rateLimits',
    'expiresInMs',
  ])
  const remaining = configured(() =>
    defaults.remaining === undefined || defaults.remaining === null
      ? null
      : validateNonNegativeInt(defaults.remaining, 'defaults.remaining'),
  )
  const refill = configured(() => validateRefill(defaults.refill, 'defaults.refill'))
  if (refill && remaining === null) {
    throw new ConfigError(`${WHERE}.defaults.refill needs defaults.remaining: set the starting credits too`)
  }
  const rateLimits = configured(() => validateRateLimits(defaults.rateLimits, 'defaults.rateLimits'))
  const maxExpiresInMs = duration(given.maxExpiresInMs, 'maxExpiresInMs', MAX_DURATION_MS)
  const expiresInMs = duration(defaults.expiresInMs, 'defaults.expiresInMs', MAX_DURATION_MS)
  if (expiresInMs !== null && maxExpiresInMs !== null && expiresInMs > maxExpiresInMs) {
    throw new ConfigError(`${WHERE}.defaults.expiresInMs must not be longer than maxExpiresInMs`)
  }
  const graceBound = Math.min(MAX_GRACE_MS, maxExpiresInMs ?? MAX_GRACE_MS)
  let maxGraceMs = Math.min(DAY_MS, graceBound)
  if (given.maxGraceMs !== undefined) {
    const grace = given.maxGraceMs
    if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace < 0 || grace > graceBound) {
      throw new ConfigError(
        `${WHERE}.maxGraceMs must be a number of milliseconds from 0 to ${graceBound} (${MAX_GRACE_MS / DAY_MS} days, and no more than maxExpiresInMs)`,
      )
    }
    maxGraceMs = grace
  }
  return { scopes, remaining, refill, rateLimits, expiresInMs, maxExpiresInMs, maxGraceMs }
}

/**
 * The owner rules of one managementRoutes. Without a policy, owners manage the keys they have
 * (rename, narrow scopes, shorten expiry, revoke, roll with up to a day's grace, delete) but
 * cannot create keys.
 */
export function ownerRules(policy: OwnerPolicy | undefined, warden: Keywarden): OwnerRules {
  const canCreate = policy !== undefined
  const p: Normalized =
    policy === undefined
      ? {
          scopes: [],
          remaining: null,
          refill: null,
          rateLimits: [],
          expiresInMs: null,
          maxExpiresInMs: null,
          maxGraceMs: DAY_MS,
        }
      : normalize(policy, warden)

  function scopesBeyond(asked: unknown, allowed: readonly string[]): string | null {
    if (asked === undefined) return null
    if (grantsManagement(asked)) return MANAGEMENT
    const missing = warden.keys.missingScopes(allowed, asked as string[], 'all')
    return missing.length === 0
      ? null
      : `Your keys may not hold ${missing.join(', ')}: the owner policy does not allow it; ask an admin.`
  }

  return {
    create(fields, now) {
      if (!canCreate) return NO_POLICY
      const scopes = scopesBeyond(fields.scopes, p.scopes)
      if (scopes) return scopes
      if (fields.remaining === undefined) fields.remaining = p.remaining
      const remaining = fields.remaining as number | null
      if (fields.refill === undefined) fields.refill = remaining === null ? null : p.refill
      if (fields.rateLimits === undefined) fields.rateLimits = p.rateLimits
      const limits =
        looserRemaining(remaining, p.remaining) ??
        looserRefill(validateRefill(fields.refill), p.refill, p.remaining !== null) ??
        looserRateLimits(validateRateLimits(fields.rateLimits), p.rateLimits)
      if (limits) return `${limits} (the owner policy's limit); ask an admin for more.`
      if (fields.expiresAt === undefined) {
        const life = p.expiresInMs ?? p.maxExpiresInMs
        if (life !== null) fields.expiresAt = new Date(now.getTime() + life)
        return null
      }
      return p.maxExpiresInMs === null
        ? null
        : laterThan(validateDate(fields.expiresAt, 'expiresAt'), now.getTime() + p.maxExpiresInMs)
    },

    update(body, record, now) {
      if (ADMIN_FIELDS.some((field) => body[field] !== undefined)) return LIMITS_FIXED
      const scopes = scopesBeyond(body.scopes, [...p.scopes, ...record.scopes])
      if (scopes) return scopes
      if (!('expiresAt' in body)) return null
      // An expiry may stay or move earlier; the policy's bound also caps a key that had none.
      const bounds: number[] = []
      if (record.expiresAt) bounds.push(record.expiresAt.getTime())
      if (p.maxExpiresInMs !== null) bounds.push(now.getTime() + p.maxExpiresInMs)
      if (bounds.length === 0) return null
      return laterThan(validateDate(body.expiresAt, 'expiresAt'), Math.min(...bounds))
    },

    roll(expireOldInMs) {
      return expireOldInMs > p.maxGraceMs
        ? `expireOldInMs may be at most ${p.maxGraceMs} ms for your keys; ask an admin for a longer grace.`
        : null
    },
  }
}

function laterThan(asked: Date | null, latest: number): string | null {
  if (asked !== null && asked.getTime() <= latest) return null
  return `expiresAt must be a date no later than ${new Date(latest).toISOString()}; it cannot be cleared or extended (ask an admin).`
}
