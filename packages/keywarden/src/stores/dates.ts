import { ValidationError } from '../errors.js'
import type { StoredKey } from './types.js'

/** The date fields of a stored key. */
export const KEY_DATES = [
  'createdAt',
  'updatedAt',
  'expiresAt',
  'revokedAt',
  'lastUsedAt',
  'lastRefillAt',
  'limitCreatedAt',
] as const

/**
 * Every store runs what it is handed through this before writing: an Invalid Date would otherwise
 * be stored as NaN (memory), fail after other writes (SQL, Redis), or compare as "never expires".
 */
export function assertKeyDates(value: Partial<StoredKey>): void {
  for (const field of KEY_DATES) {
    const date = value[field]
    if (date === undefined || date === null) continue
    if (!(date instanceof Date) || !Number.isFinite(date.getTime())) {
      throw new ValidationError(`${field} must be a valid Date (this one is Invalid Date or not a Date)`, {
        field,
      })
    }
  }
}
