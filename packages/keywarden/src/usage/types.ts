/**
 * Usage over time: every verification outcome counted per key per minute, rolled up to hours and
 * days, without a store write per verification (aggregated in memory, flushed in batches).
 */
import type { VerifyFailureCode } from '../keys/verify.js'

export type UsageGranularity = 'minute' | 'hour' | 'day'

/** What `warden.usage.query` takes. Without keyId or ownerId: every key (not the keyless series). */
export interface UsageQuery {
  keyId?: string
  ownerId?: string
  /** Inclusive start (Date, ISO string or epoch ms); rounded down to the granularity. */
  from: Date | string | number
  /** Exclusive end. */
  to: Date | string | number
  granularity: UsageGranularity
  /** Only the instance-wide series of outcomes with no key (MALFORMED, NOT_FOUND). */
  keyless?: boolean
}

export interface UsageBucket {
  /** Start of the bucket. */
  at: Date
  valid: number
  /** Failures by code; codes with none are absent. */
  invalid: Partial<Record<VerifyFailureCode, number>>
  /** Credits spent. */
  spent: number
}

export interface UsageReport {
  /** Every bucket of the range in time order, empty ones included. */
  buckets: UsageBucket[]
}

export interface UsageOptions {
  /** How often aggregated counts are written to the store. Default 5000 ms. */
  flushIntervalMs?: number
  /** How long buckets are kept. Default 90 days. */
  retentionDays?: number
}

/**
 * The counting machinery, generic over series (a key id, a provider-key ref, the keyless series)
 * and metric names; the warden's usage and the vault's provider-key usage both run on it.
 */
export interface UsageCounter {
  /** Adds to the series' current minute in memory: synchronous, no store call. */
  add(series: string, ownerId: string | null, metrics: Record<string, number>, at?: number): void
  /**
   * Sums per bucket of `granularity` over [from, to) for the given series (or every series of
   * `ownerId`), flushed and not-yet-flushed counts together.
   */
  sum(query: {
    series?: readonly string[]
    ownerId?: string
    from: number
    to: number
    granularity: UsageGranularity
  }): Promise<Array<{ at: number; metrics: Record<string, number> }>>
  /** Writes what is pending now (at most one write per series per bucket). */
  flush(): Promise<void>
  /** Deletes buckets older than the retention. Returns how many rows went. */
  prune(): Promise<number>
  /** Flushes and stops the timer. */
  close(): Promise<void>
}
