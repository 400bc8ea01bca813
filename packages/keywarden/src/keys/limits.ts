import { ValidationError } from '../errors.js'
import type { RateLimitRule, Refill } from '../stores/types.js'
import { validateNonNegativeInt } from './validate.js'

/** Validation of limit settings, and refills on a fixed calendar grid (the window math is in stores/). */

export const MAX_RATE_LIMITS = 16
export const RULE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
export const MIN_WINDOW_MS = 1000
export const DAY_MS = 86_400_000
/** A year of 366 days: the longest rate-limit window and the longest grace of a roll (owner policy too). */
export const MAX_PERIOD_MS = 366 * DAY_MS
export const MIN_REFILL_MS = 1000
export const MAX_DAY_OF_MONTH = 31

/**
 * The latest refill boundary at or before `now`, or null when none has passed since `createdAt`.
 * Interval refills run on the grid createdAt + k × intervalMs; daily ones at 00:00 UTC; monthly
 * ones at 00:00 UTC on dayOfMonth (clamped to the month's last day).
 */
export function latestRefillBoundary(refill: Refill, createdAt: number, now: number): number | null {
  let boundary: number
  if ('intervalMs' in refill) {
    const k = Math.floor((now - createdAt) / refill.intervalMs)
    boundary = createdAt + k * refill.intervalMs
  } else if (refill.interval === 'daily') {
    boundary = Math.floor(now / DAY_MS) * DAY_MS
  } else {
    const day = refill.dayOfMonth ?? 1
    const date = new Date(now)
    let year = date.getUTCFullYear()
    let month = date.getUTCMonth()
    const at = (y: number, m: number) =>
      Date.UTC(y, m, Math.min(day, new Date(Date.UTC(y, m + 1, 0)).getUTCDate()))
    boundary = at(year, month)
    if (boundary > now) {
      month -= 1
      if (month < 0) {
        month = 11
        year -= 1
      }
      boundary = at(year, month)
    }
  }
  return boundary > createdAt ? boundary : null
}

export function validateRateLimits(value: unknown, field = 'rateLimits'): RateLimitRule[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > MAX_RATE_LIMITS) {
    throw new ValidationError(
      `${field} must be an array of at most ${MAX_RATE_LIMITS} { name, limit, windowMs }`,
      { field },
    )
  }
  const names = new Set<string>()
  return value.map((rule, i) => {
    const at = `${field}[${i}]`
    if (typeof rule !== 'object' || rule === null)
      throw new ValidationError(`${at} must be { name, limit, windowMs }`, { field: at })
    const { name, limit, windowMs } = rule as Record<string, unknown>
    if (typeof name !== 'string' || !RULE_NAME_PATTERN.test(name) || names.has(name)) {
      throw new ValidationError(`${at}.name must be a unique name of 1 to 64 letters, digits, _ . -`, {
        field: `${at}.name`,
      })
    }
    names.add(name)
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
      throw new ValidationError(`${at}.limit must be a positive integer`, { field: `${at}.limit` })
    }
    if (
      typeof windowMs !== 'number' ||
      !Number.isSafeInteger(windowMs) ||
      windowMs < MIN_WINDOW_MS ||
      windowMs > MAX_PERIOD_MS
    ) {
      throw new ValidationError(
        `${at}.windowMs must be an integer from ${MIN_WINDOW_MS} (1 s) to ${MAX_PERIOD_MS} (${MAX_PERIOD_MS / DAY_MS} days) milliseconds`,
        {
          field: `${at}.windowMs`,
        },
      )
    }
    return { name, limit, windowMs }
  })
}

export function validateRefill(value: unknown, field = 'refill'): Refill | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object')
    throw new ValidationError(`${field} must be { amount, intervalMs } or { amount, interval }`, { field })
  const { amount, intervalMs, interval, dayOfMonth, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) {
    throw new ValidationError(`${field} has unknown fields: ${Object.keys(rest).join(', ')}`, { field })
  }
  const credits = validateNonNegativeInt(amount, `${field}.amount`)
  if (intervalMs !== undefined) {
    if (interval !== undefined || dayOfMonth !== undefined) {
      throw new ValidationError(`${field} takes either intervalMs or interval, not both`, { field })
    }
    if (typeof intervalMs !== 'number' || !Number.isSafeInteger(intervalMs) || intervalMs < MIN_REFILL_MS) {
      throw new ValidationError(`${field}.intervalMs must be an integer of at least ${MIN_REFILL_MS}`, {
        field: `${field}.intervalMs`,
      })
    }
    return { amount: credits, intervalMs }
  }
  if (interval === 'daily') {
    if (dayOfMonth !== undefined)
      throw new ValidationError(`${field}.dayOfMonth goes only with interval 'monthly'`, { field })
    return { amount: credits, interval }
  }
  if (interval === 'monthly') {
    if (dayOfMonth === undefined) return { amount: credits, interval }
    if (
      typeof dayOfMonth !== 'number' ||
      !Number.isInteger(dayOfMonth) ||
      dayOfMonth < 1 ||
      dayOfMonth > MAX_DAY_OF_MONTH
    ) {
      throw new ValidationError(`${field}.dayOfMonth must be an integer from 1 to ${MAX_DAY_OF_MONTH}`, {
        field: `${field}.dayOfMonth`,
      })
    }
    return { amount: credits, interval, dayOfMonth }
  }
  throw new ValidationError(`${field} needs intervalMs (milliseconds) or interval 'daily' | 'monthly'`, {
    field,
  })
}
