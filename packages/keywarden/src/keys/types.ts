/** The arguments and answers of the keys.* methods (verify's are in verify.ts). */
import type { ApiKeyRecord, RateLimitRule, Refill } from '../stores/types.js'

export interface LimitSettings {
  /** Credits left; null (the default) = unlimited. */
  remaining?: number | null
  /** Sets `remaining` to `amount` at each interval; needs `remaining`. */
  refill?: Refill | null
  rateLimits?: RateLimitRule[]
}

export interface CreateKeyInput extends LimitSettings {
  name: string
  ownerId?: string | null
  scopes?: string[]
  metadata?: Record<string, unknown>
  expiresAt?: Date | string | number | null
}

export interface UpdateKeyInput extends LimitSettings {
  name?: string
  ownerId?: string | null
  scopes?: string[]
  metadata?: Record<string, unknown>
  expiresAt?: Date | string | number | null
}

export interface CreatedKey {
  /** The plaintext key. Shown once: only its hash is stored. */
  key: string
  record: ApiKeyRecord
}

export interface ListKeysOptions {
  ownerId?: string
  limit?: number
  cursor?: string | null
}

export interface RollOptions {
  /**
   * How long the old key keeps verifying; 0 (the default) ends it at once. At most the old key's
   * remaining life and at most 366 days. Both keys share one credit balance and rate-limit counters.
   */
  expireOldInMs?: number
}
