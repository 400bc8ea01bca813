import { StoreError, ValidationError } from '../../errors.js'
import type { SecretRecord, StoredKey } from '../types.js'

const DATE_FIELDS = ['createdAt', 'updatedAt', 'expiresAt', 'revokedAt', 'limitCreatedAt'] as const

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

/**
 * The credit fields of a key in a limit group: its balance lives in the group's HASH
 * (`<ns>:grp:{<tag>}`, field `c`, the same 29 characters), whose tag the JSON names as limitTag
 * (the hash of the group's first key; absent on that key itself). Lua sees the 'G' at byte 14.
 */
export const GROUPED = `G${'-'.repeat(28)}`

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

/**
 * Everything after lastUsedAt: credits and JSON (id first, dates as ms). With `tag`, the key's
 * balance lives in the group of that tag: the credit fields are GROUPED.
 */
export function encodeKeyBody(key: StoredKey, tag?: string): string {
  const { id, lastUsedAt: _u, remaining: _r, lastRefillAt: _f, ...rest } = key
  const plain: Record<string, unknown> = { id, ...rest }
  for (const field of DATE_FIELDS) plain[field] = key[field] ? (key[field] as Date).getTime() : null
  plain.limitId = key.limitId ?? null
  if (tag !== undefined && tag !== key.hash) plain.limitTag = tag
  return (tag === undefined ? encodeCredits(key) : GROUPED) + JSON.stringify(plain)
}

export function encodeKey(key: StoredKey, tag?: string): string {
  return encodeLastUsed(key.lastUsedAt) + encodeKeyBody(key, tag)
}

/** The credit fields of a record or a group: remaining and lastRefillAt. */
export function decodeCredits(text: string): Pick<StoredKey, 'remaining' | 'lastRefillAt'> {
  const lastRefill = unfixed(text.slice(LAST_REFILL_AT - REMAINING_AT))
  return {
    remaining: unfixed(text.slice(0, LAST_REFILL_AT - REMAINING_AT)),
    lastRefillAt: lastRefill === null ? null : new Date(lastRefill),
  }
}

/** A stored value without its lastUsedAt field. */
export function bodyOf(value: string): string {
  return value.slice(REMAINING_AT)
}

/**
 * A stored record and, for a key in a limit group, the tag of its group (whose balance the key
 * shows: `remaining` and `lastRefillAt` are null here until the caller reads it).
 */
export function decodeRecord(value: string): { key: StoredKey; tag: string | null } {
  let plain: Record<string, unknown>
  try {
    plain = JSON.parse(value.slice(JSON_AT))
  } catch (error) {
    throw new StoreError('a key record in Redis is not valid JSON; was the namespace shared?', {
      cause: error,
    })
  }
  for (const field of DATE_FIELDS)
    plain[field] = plain[field] == null ? null : new Date(plain[field] as number)
  plain.limitId ??= null
  const grouped = value.charCodeAt(REMAINING_AT) === GROUPED.charCodeAt(0)
  const tag = grouped ? ((plain.limitTag as string | undefined) ?? (plain.hash as string)) : null
  delete plain.limitTag
  const lastUsed = unfixed(value.slice(LAST_USED_AT, REMAINING_AT))
  plain.lastUsedAt = lastUsed === null ? null : new Date(lastUsed)
  Object.assign(
    plain,
    grouped ? { remaining: null, lastRefillAt: null } : decodeCredits(value.slice(REMAINING_AT, JSON_AT)),
  )
  return { key: plain as unknown as StoredKey, tag }
}

export function decodeKey(value: string): StoredKey {
  return decodeRecord(value).key
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
