import { StoreError, ValidationError } from '../../errors.js'
import type { SecretRecord, StoredKey } from '../types.js'

const DATE_FIELDS = ['createdAt', 'updatedAt', 'expiresAt', 'revokedAt', 'limitCreatedAt'] as const

/** One fixed-width field of a record: its first character (0-based) and its width. */
export interface Slot {
  readonly at: number
  readonly width: number
}

const after = (slot: Slot, width: number): Slot => ({ at: slot.at + slot.width, width })

/**
 * A key record is one Redis string, so verification is one GET:
 *   <lastUsedAt 13><remaining 16><lastRefillAt 13><JSON of the rest, starting {"id":"…",>
 * The fixed-width fields (digits, or NULL_MARK repeated for null) are what changes often: a touch
 * is one SETRANGE and a spend (consume.ts) rewrites only them, never the JSON. The JSON starts
 * with the id so scripts can check whose record it is without parsing it. This is the one
 * definition of the layout: the Lua scripts are templated from it (lua.ts).
 */
export const LAST_USED: Slot = { at: 0, width: 13 }
export const REMAINING: Slot = after(LAST_USED, 16)
export const LAST_REFILL: Slot = after(REMAINING, 13)
/** remaining + lastRefillAt: what a spend rewrites, and what a limit group's `c` field holds. */
export const CREDITS: Slot = { at: REMAINING.at, width: REMAINING.width + LAST_REFILL.width }
export const JSON_AT = CREDITS.at + CREDITS.width

/** What a null fixed-width field is filled with. */
export const NULL_MARK = '-'
/** First character of the credit fields of a key whose balance lives in its limit group. */
export const GROUPED_MARK = 'G'

/**
 * The credit fields of a key in a limit group: its balance lives in the group's HASH
 * (`<ns>:grp:{<tag>}`, field `c`, CREDITS.width characters), whose tag the JSON names as limitTag
 * (the hash of the group's first key; absent on that key itself).
 */
export const GROUPED = GROUPED_MARK.padEnd(CREDITS.width, NULL_MARK)

function fixed(value: number | null, { width }: Slot, field: string): string {
  if (value === null) return NULL_MARK.repeat(width)
  if (!(Number.isSafeInteger(value) && value >= 0 && value < 10 ** width)) {
    throw new ValidationError(`${field} is out of the range this store keeps`, { field })
  }
  return String(value).padStart(width, '0')
}

/** A fixed-width field's value: null, or its digits as a number. */
export const unfixed = (text: string): number | null => (text.startsWith(NULL_MARK) ? null : Number(text))

const slice = (value: string, { at, width }: Slot, from = 0) => value.slice(at - from, at - from + width)

export function encodeLastUsed(at: Date | null): string {
  return fixed(at === null ? null : at.getTime(), LAST_USED, 'lastUsedAt')
}

/** How a record of this id begins at JSON_AT: `{"id":"<id>",`. */
export function idPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},`
}

export function encodeRemaining(remaining: number | null): string {
  return fixed(remaining, REMAINING, 'remaining')
}

export function encodeLastRefill(at: Date | null): string {
  return fixed(at === null ? null : at.getTime(), LAST_REFILL, 'lastRefillAt')
}

/** The fixed-width remaining + lastRefillAt fields. */
export function encodeCredits(key: Pick<StoredKey, 'remaining' | 'lastRefillAt'>): string {
  return encodeRemaining(key.remaining) + encodeLastRefill(key.lastRefillAt)
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
  const lastRefill = unfixed(slice(text, LAST_REFILL, CREDITS.at))
  return {
    remaining: unfixed(slice(text, REMAINING, CREDITS.at)),
    lastRefillAt: lastRefill === null ? null : new Date(lastRefill),
  }
}

/** A stored value without its lastUsedAt field. */
export function bodyOf(value: string): string {
  return value.slice(CREDITS.at)
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
  const grouped = value.startsWith(GROUPED_MARK, CREDITS.at)
  const tag = grouped ? ((plain.limitTag as string | undefined) ?? (plain.hash as string)) : null
  delete plain.limitTag
  const lastUsed = unfixed(slice(value, LAST_USED))
  plain.lastUsedAt = lastUsed === null ? null : new Date(lastUsed)
  Object.assign(
    plain,
    grouped ? { remaining: null, lastRefillAt: null } : decodeCredits(slice(value, CREDITS)),
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
