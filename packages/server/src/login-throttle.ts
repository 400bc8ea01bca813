import type { RateLimitRule } from 'keywarden'
import { ConfigError, checkWindow, type WindowCounts, windowStart } from 'keywarden'
import { LRUCache } from 'lru-cache'

/** How many failed sign-ins a window allows. */
export interface SignInLimit {
  limit: number
  windowMs: number
}

export interface LoginThrottleOptions {
  /** Failed sign-ins one client address may make. Default 10 per minute. */
  perAddress?: SignInLimit
  /** Failed sign-ins of every address together. Default 100 per minute. */
  total?: SignInLimit
}

/**
 * Counts failed dashboard sign-ins, in this process (each instance counts its own), per client
 * address and in total, over a sliding window. Refused attempts are not verified at all. The
 * server's one per-client throttle: leak reports (per address) and key checks (per API key) count
 * every attempt with it too.
 */
export interface LoginThrottle {
  /** 0 when `address` may try a key now, else the milliseconds until it may. */
  retryAfterMs(address: string): number
  /** Records one failed sign-in from `address`. */
  failed(address: string): void
}

/** Addresses remembered at once: a flood of new ones evicts the oldest, never grows memory. */
const MAX_ADDRESSES = 10_000

interface Window extends WindowCounts {
  start: number
}

function rule(name: string, value: SignInLimit | undefined, fallback: SignInLimit): RateLimitRule {
  const { limit, windowMs } = value ?? fallback
  if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(windowMs) || windowMs < 1000) {
    throw new ConfigError(
      `loginThrottle.${name} must be { limit, windowMs }: a positive integer and at least 1000 ms`,
    )
  }
  return { name, limit, windowMs }
}

/** The counts of `window` as seen at `now`: shifted into the window `now` falls in. */
function advance(window: Window, now: number, windowMs: number): Window {
  const start = windowStart(now, windowMs)
  if (start === window.start) return window
  const previous = start - windowMs === window.start ? window.current : 0
  return { start, previous, current: 0 }
}

export function createLoginThrottle(options: LoginThrottleOptions, now: () => number): LoginThrottle {
  const perAddress = rule('perAddress', options.perAddress, { limit: 10, windowMs: 60_000 })
  const total = rule('total', options.total, { limit: 100, windowMs: 60_000 })
  const addresses = new LRUCache<string, Window>({ max: MAX_ADDRESSES })
  let everyone: Window = { start: 0, previous: 0, current: 0 }

  const wait = (limit: RateLimitRule, window: Window | undefined, at: number): number => {
    if (!window) return 0
    const verdict = checkWindow(limit, advance(window, at, limit.windowMs), at)
    return verdict.allowed ? 0 : verdict.retryAfterMs
  }

  return {
    retryAfterMs(address) {
      const at = now()
      return Math.max(wait(perAddress, addresses.get(address), at), wait(total, everyone, at))
    },
    failed(address) {
      const at = now()
      const mine = advance(
        addresses.get(address) ?? { start: 0, previous: 0, current: 0 },
        at,
        perAddress.windowMs,
      )
      addresses.set(address, { ...mine, current: mine.current + 1 })
      everyone = advance(everyone, at, total.windowMs)
      everyone = { ...everyone, current: everyone.current + 1 }
    },
  }
}
