import { ValidationError } from '../errors.js'

/**
 * "Claim once": what lets notices (key.expiring, key.expired, key.credits_low,
 * key.usage_exceeded) fire once per key across every instance sharing a store.
 */

export interface ClaimNoticeOptions {
  /** How long the claim must be remembered, in ms; absent = for good. Stores may forget it after. */
  ttlMs?: number
  /** A short non-secret value kept with the claim (e.g. a key's starting credits), read by readNotice. */
  value?: string
}

/** Optional store part: memoryStore, sqlStore, redisStore and cachedStore (delegating) implement it. */
export interface NoticeStore {
  /**
   * Records `id` if no claim with that id exists: true for the one caller that recorded it (in any
   * process sharing the store), false for every other. Atomic (insert-if-absent).
   */
  claimNotice(id: string, options?: ClaimNoticeOptions): Promise<boolean>
  /** The value a claim was recorded with ('' when it had none), or null when `id` was never claimed. */
  readNotice(id: string): Promise<string | null>
}

export const NOTICE_STORE_METHODS = ['claimNotice', 'readNotice'] as const

/** Longest notice id a store must accept. */
export const MAX_NOTICE_ID_LENGTH = 200

/** Checks a claim's id and options; throws ValidationError saying what to fix. */
export function assertClaim(id: unknown, options: ClaimNoticeOptions = {}): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_NOTICE_ID_LENGTH) {
    throw new ValidationError(`a notice id must be a string of 1 to ${MAX_NOTICE_ID_LENGTH} characters`, {
      field: 'id',
    })
  }
  const { ttlMs, value } = options
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new ValidationError('ttlMs must be a positive integer of milliseconds', { field: 'ttlMs' })
  }
  if (value !== undefined && (typeof value !== 'string' || value.length > MAX_NOTICE_ID_LENGTH)) {
    throw new ValidationError(`value must be a string of at most ${MAX_NOTICE_ID_LENGTH} characters`, {
      field: 'value',
    })
  }
}
