import type { ConsumeRequest, StoredKey } from '../stores/types.js'
import { latestRefillBoundary } from './limits.js'

/** What a verification at `at` spending `cost` asks the counters of a key with limits for. */
export function consumeRequestFor(stored: StoredKey, at: number, cost: number): ConsumeRequest {
  // Every key of a roll group refills on the grid of the group's first key.
  const anchor = (stored.limitCreatedAt ?? stored.createdAt).getTime()
  const refill = stored.refill && latestRefillBoundary(stored.refill, anchor, at)
  return {
    cost,
    now: at,
    rateLimits: stored.rateLimits,
    refill: refill && stored.refill ? { at: refill, amount: stored.refill.amount } : null,
  }
}
