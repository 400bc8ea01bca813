import type { ConsumeOutcome, ConsumeRequest, LimitState, RateLimitRule } from './types.js'

/**
 * Rate limits as a sliding window over two fixed windows, shared by every store so they agree to
 * the millisecond: the previous window's count fades out linearly as the current one elapses.
 */

/** The counts a store keeps for one rule: this fixed window and the one before it. */
export interface WindowCounts {
  previous: number
  current: number
}

export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs
}

/** Weighted count: the previous window's count fades out linearly as the current one elapses. */
export function slidingCount(counts: WindowCounts, now: number, windowMs: number): number {
  const elapsed = now - windowStart(now, windowMs)
  return counts.previous * ((windowMs - elapsed) / windowMs) + counts.current
}

/** Whether one more request fits, and the state to report. */
export function checkWindow(
  rule: RateLimitRule,
  counts: WindowCounts,
  now: number,
): { allowed: boolean; state: LimitState; retryAfterMs: number } {
  const count = slidingCount(counts, now, rule.windowMs)
  const allowed = count + 1 <= rule.limit
  const reset = windowStart(now, rule.windowMs) + rule.windowMs
  const remaining = Math.max(0, Math.floor(rule.limit - count - (allowed ? 1 : 0)))
  return {
    allowed,
    state: { name: rule.name, limit: rule.limit, remaining, reset },
    retryAfterMs: allowed ? 0 : retryAfter(rule, counts, now),
  }
}

/** Milliseconds until one more request would fit, given no other traffic. */
export function retryAfter(rule: RateLimitRule, counts: WindowCounts, now: number): number {
  const { limit, windowMs } = rule
  const start = windowStart(now, windowMs)
  const elapsed = now - start
  // Within this window: previous × (windowMs − e) / windowMs + current + 1 <= limit.
  if (counts.current + 1 <= limit && counts.previous > 0) {
    const e = windowMs * (1 - (limit - 1 - counts.current) / counts.previous)
    if (e <= windowMs) return Math.max(1, Math.ceil(e - elapsed))
  }
  // Next window: current becomes previous, nothing counted yet.
  const next = counts.current > 0 ? windowMs * Math.max(0, 1 - (limit - 1) / counts.current) : 0
  return Math.max(1, Math.ceil(windowMs - elapsed + next))
}

/** What a store read, under its lock, for one key before a verification spends anything. */
export interface CounterSnapshot {
  remaining: number | null
  lastRefillAt: number | null
  /** Per rule of request.rateLimits, in order: counts of the window of `now` and the one before. */
  counts: WindowCounts[]
}

export interface ConsumeDecision {
  outcome: ConsumeOutcome
  /** The new credit state to write, or null when it did not change. */
  credits: { remaining: number | null; lastRefillAt: number | null } | null
  /** Whether to add one to the current window of every rule. */
  count: boolean
}

/**
 * The one decision every store makes for a verification with limits (Redis repeats it in Lua):
 * refill, then every rate limit, then credits — all or nothing.
 */
export function decideConsume(request: ConsumeRequest, snapshot: CounterSnapshot): ConsumeDecision {
  let { remaining, lastRefillAt } = snapshot
  let refilled = false
  if (request.refill && remaining !== null && (lastRefillAt === null || lastRefillAt < request.refill.at)) {
    remaining = request.refill.amount
    lastRefillAt = request.refill.at
    refilled = true
  }
  const credits = refilled ? { remaining, lastRefillAt } : null
  const checks = request.rateLimits.map((rule, i) =>
    checkWindow(rule, snapshot.counts[i] ?? { previous: 0, current: 0 }, request.now),
  )
  const limits = checks.map((c) => c.state)
  const blocked = checks.filter((c) => !c.allowed).sort((a, b) => b.retryAfterMs - a.retryAfterMs)[0]
  if (blocked) {
    const states = checks.map((c) => (c.allowed ? { ...c.state, remaining: c.state.remaining + 1 } : c.state))
    return {
      outcome: {
        status: 'rate_limited',
        limits: states,
        blocked: blocked.state,
        retryAfterMs: blocked.retryAfterMs,
      },
      credits,
      count: false,
    }
  }
  const spend = request.cost
  if (remaining !== null && remaining < Math.max(spend, 1)) {
    const states = checks.map((c) => ({ ...c.state, remaining: c.state.remaining + 1 }))
    return { outcome: { status: 'usage_exceeded', remaining, limits: states }, credits, count: false }
  }
  if (spend === 0) {
    const states = checks.map((c) => ({ ...c.state, remaining: c.state.remaining + 1 }))
    return { outcome: { status: 'ok', remaining, limits: states }, credits, count: false }
  }
  const after = remaining === null ? null : remaining - spend
  return {
    outcome: { status: 'ok', remaining: after, limits },
    credits: after === remaining ? credits : { remaining: after, lastRefillAt },
    count: checks.length > 0,
  }
}
