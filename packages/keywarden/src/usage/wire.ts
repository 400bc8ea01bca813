import { ConfigError } from '../errors.js'
import type { VerifyResult } from '../keys/verify.js'
import type { KeyStore } from '../stores/types.js'
import { keepsUsage } from '../stores/usage-types.js'
import { assertUsageOptions, createUsageCounter, KEYLESS_SERIES, type WardenUsageCounter } from './counter.js'
import type { UsageOptions } from './types.js'

/**
 * A verification observer: called once per verification with its result, the requested cost and
 * the verification's clock reading (absent for MALFORMED).
 */
export type VerifyObserver = (result: VerifyResult, cost: number, at?: number) => void

/** The space the warden's verification counts are written under. */
export const KEYS_SPACE = 'keys'

/**
 * The warden's usage counter, or null when counting is off: `usage: false`, or no option and a
 * store that keeps no usage.
 * @throws ConfigError when usage options are invalid, or given for a store that keeps no usage.
 */
export function wardenUsageCounter(
  store: KeyStore,
  usage: UsageOptions | false | undefined,
  clock: () => number,
  onError: (error: unknown) => void,
): WardenUsageCounter | null {
  if (usage === false) return null
  if (usage !== undefined && (typeof usage !== 'object' || usage === null)) {
    throw new ConfigError('usage must be { flushIntervalMs?, retentionDays? } or false')
  }
  if (!keepsUsage(store)) {
    if (usage === undefined) return null
    throw new ConfigError(
      'usage: this store keeps no usage counts (addUsage, sumUsage, pruneUsage); use memoryStore, sqlStore or redisStore, or set usage: false',
    )
  }
  assertUsageOptions(usage ?? {})
  return createUsageCounter({ ...usage, store, space: KEYS_SPACE, clock, onError })
}

/**
 * Counts each verification: `valid` and `spent` (the cost of a valid verification whose credits
 * were applied), or its failure code; failures without a key (MALFORMED, NOT_FOUND) go to the
 * keyless series.
 */
export function usageObserver(counter: WardenUsageCounter, clock: () => number): VerifyObserver {
  return function countUsage(result, cost, at) {
    const key = result.key
    if (key === undefined) {
      counter.count(KEYLESS_SERIES, null, (result as { code: string }).code, 1, at ?? clock())
      return
    }
    const counts = counter.counts(key.id, key.ownerId, at ?? clock())
    if (!result.valid) {
      counts[result.code] = (counts[result.code] ?? 0) + 1
      return
    }
    counts.valid = (counts.valid ?? 0) + 1
    if (cost > 0 && result.limiterError !== true) counts.spent = (counts.spent ?? 0) + cost
  }
}

/** One observer for all of them: none, the only one, or each in turn. */
export function composeObservers(observers: readonly VerifyObserver[]): VerifyObserver {
  if (observers.length === 0) return () => {}
  const [first, second] = observers as [VerifyObserver, VerifyObserver]
  if (observers.length === 1) return first
  // Two (usage, notices) is the warden's case: called directly, no iterator per verification.
  if (observers.length === 2)
    return (result, cost, at) => {
      first(result, cost, at)
      second(result, cost, at)
    }
  return (result, cost, at) => {
    for (const observe of observers) observe(result, cost, at)
  }
}
