/**
 * "At least as strict as" for limit settings, so an owner may tighten what an admin allows but
 * never loosen it. Each function answers null when `asked` is fine, else what is too loose.
 */
import { DAY_MS } from '../keys/limits.js'
import type { RateLimitRule, Refill } from '../stores/types.js'

/** Credits: a number at most `allowed`; anything (even unlimited) when `allowed` is unlimited. */
export function looserRemaining(asked: number | null, allowed: number | null): string | null {
  if (allowed === null) return null
  if (asked === null || asked > allowed) return `remaining must be a number of at most ${allowed}`
  return null
}

// A monthly refill is compared as the shortest month when asked and the longest when allowed, so
// the comparison never lets more credits through than the allowed refill would.
function shortestPeriod(refill: Refill): number {
  if ('intervalMs' in refill) return refill.intervalMs
  return refill.interval === 'daily' ? DAY_MS : 28 * DAY_MS
}
function longestPeriod(refill: Refill): number {
  if ('intervalMs' in refill) return refill.intervalMs
  return refill.interval === 'daily' ? DAY_MS : 31 * DAY_MS
}

/**
 * A refill gives no more credits, no more often; none is always fine, and none allowed means none.
 * When the policy does not bound credits at all, any refill is fine.
 */
export function looserRefill(
  asked: Refill | null,
  allowed: Refill | null,
  creditsBounded: boolean,
): string | null {
  if (asked === null || !creditsBounded) return null
  if (allowed === null) return 'refill is not allowed: your keys get no refill'
  const sameCalendar = 'interval' in asked && 'interval' in allowed && asked.interval === allowed.interval
  if (asked.amount > allowed.amount || (!sameCalendar && shortestPeriod(asked) < longestPeriod(allowed))) {
    return `refill must give at most ${allowed.amount} credits, at most as often as ${describeRefill(allowed)}`
  }
  return null
}

function describeRefill(refill: Refill): string {
  return 'intervalMs' in refill ? `every ${refill.intervalMs} ms` : refill.interval
}

/**
 * Every allowed rule must be matched by an asked rule that lets through no more calls (limit) in
 * no shorter a window; extra asked rules only tighten.
 */
export function looserRateLimits(
  asked: readonly RateLimitRule[],
  allowed: readonly RateLimitRule[],
): string | null {
  for (const rule of allowed) {
    if (!asked.some((own) => own.limit <= rule.limit && own.windowMs >= rule.windowMs)) {
      return `rateLimits must include a rule at least as strict as ${rule.limit} per ${rule.windowMs} ms`
    }
  }
  return null
}
