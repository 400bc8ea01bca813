import { StoreError, ValidationError } from '../../errors.js'
import type { SecretRecord, StoredKey } from '../types.js'

const DATE_FIELDS = ['createdAt', 'updatedAt', 'expiresAt', 'revokedAt'] as const

/**
 * A key record is one Redis string, so verification is one GET:
 *   <lastUsedAt 13><remaining 16><lastRefillAt 13><JSON of the rest, starting {"id":"…",>
 * The fixed-width fields (digits, or '-' for null) are what changes often: a touch is one
 * SETRANGE and a spend (consume.ts) rewrites only them, never the JSON. The JSON starts with the
 * id so scripts can check whose record it is without parsing it.
 */
export const LAST_USED_AT = 0
export const REMAINING_AT = 13
export const LAST_REFILL_AT = 29
export const JSON_AT = 42

function fixed(value: number | null, width: number, field: string): string {
  if (value === null) return '-'.repeat(width)
  if (!(Number.isSafeInteger(value) && value >= 0 && value < 10 ** width)) {
    throw new ValidationError(`${field} is out of the range this store keeps`, { field })
  }
  return String(value).padStart(width, '0')
}

const unfixed = (text: string): number | null => (text.charCodeAt(0) === 45 ? null : Number(text))

export function encodeLastUsed(at: Date | null): string {
  return fixed(at === null ? null : at.getTime(), 13, 'lastUsedAt')
}

/** How a record of this id begins at JSON_AT: `{"id":"<id>",`. */
export function idPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},`
}

/** The fixed-width remaining + lastRefillAt fields. */
export function encodeCredits(key: Pick<StoredKey, 'remaining' | 'lastRefillAt'>): string {
  return (
    fixed(key.remaining, 16, 'remaining') +
    fixed(key.lastRefillAt === null ? null : key.lastRefillAt.getTime(), 13, 'lastRefillAt')
  )
}

/** Everything after lastUsedAt: credits and JSON (id first, dates as ms). */
export function encodeKeyBody(key: StoredKey): string {
  const { id, lastUsedAt: _u, remaining: _r, lastRefillAt: _f, ...rest } = key
  const plain: Record<string, unknown> = { id, ...rest }
  for (const field of DATE_FIELDS) plain[field] = key[field] === null ? null : key[field].getTime()
  return encodeCredits(key) + JSON.stringify(plain)
}

export function encodeKey(key: StoredKey): string {
  return encodeLastUsed(key.lastUsedAt) + encodeKeyBody(key)
}

/** A stored value without its lastUsedAt field. */
export function bodyOf(value: string): string {
  return value.slice(REMAINING_AT)
}

export function decodeKey(value: string): StoredKey {
  let plain: Record<string, unknown>
  try {
    plain = JSON.parse(value.slice(JSON_AT))
  } catch (error) {
    throw new StoreError('a key record in Redis is not valid JSON; was the namespace shared?', {
      cause: error,
    })
  }
  plain.createdAt = new Date(plain.createdAt as number)
  plain.updatedAt = new Date(plain.updatedAt as number)
  if (plain.expiresAt != null) plain.expiresAt = new Date(plain.expiresAt as number)
  if (plain.revokedAt != null) plain.revokedAt = new Date(plain.revokedAt as number)
  const lastUsed = unfixed(value.slice(LAST_USED_AT, REMAINING_AT))
  const lastRefill = unfixed(value.slice(LAST_REFILL_AT, JSON_AT))
  plain.lastUsedAt = lastUsed === null ? null : new Date(lastUsed)
  plain.remaining = unfixed(value.slice(REMAINING_AT, LAST_REFILL_AT))
  plain.lastRefillAt = lastRefill === null ? null : new Date(lastRefill)
  return plain as unknown as StoredKey
}

export function encodeSecret(record: SecretRecord): string {
  return JSON.stringify({
    ...record,
    createdAt: record.createdAt.getTime(),
    updatedAt: record.updatedAt.getTime(),
    expiresAt: record.expiresAt === null ? null : record.expiresAt.getTime(),
  })
}

export function decodeSecret(json: string): SecretRecord {
  const plain = JSON.parse(json)
  return {
    ...plain,
    createdAt: new Date(plain.createdAt),
    updatedAt: new Date(plain.updatedAt),
    expiresAt: plain.expiresAt === null ? null : new Date(plain.expiresAt),
  }
}
