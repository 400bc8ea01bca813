import { ConfigError } from '../../errors.js'
import { assertCommandTimeout, DEFAULT_COMMAND_TIMEOUT_MS } from '../redis/bounded.js'
import type { KeyCacheTier } from '../redis/cache-tier.js'
import { hasMethods, KEY_STORE_METHODS, type KeyStore } from '../types.js'
import { type InvalidationOptions, validateInvalidation } from './invalidation.js'
import { validateWatch, type WatchOptions } from './watch.js'

export interface CachedStoreOptions {
  /** The store of record (sqlStore, memoryStore, …). */
  primary: KeyStore
  /** Optional shared tier between the in-process LRU and the primary: a redisStore (own namespace). */
  cache?: KeyCacheTier
  /** The in-process LRU. Default { max: 10_000 } keys. */
  local?: { max?: number }
  /** How long a lookup is served without asking again. Default 10 s. */
  ttlMs?: number
  /**
   * After ttlMs, how much longer a found key is still served while one background refresh runs,
   * and the longest a found key is served while the primary is down. Default 60 s.
   */
  staleMs?: number
  /** How long "not found" is remembered. Default 5 s. */
  negativeTtlMs?: number
  /** Publish every write on Redis pub/sub so every instance drops its copy at once. */
  invalidation?: InvalidationOptions
  /**
   * Without a bus: poll a change marker of the primary and drop the in-process tier when it moves,
   * so writes by other processes are seen within about intervalMs. On SQLite:
   * `{ version: () => sql.dataVersion() }`.
   */
  watch?: WatchOptions
  /**
   * The longest any call waits on the shared tier or the invalidation bus, in ms (default 1000).
   * Past it the call counts as failed: reads fall through to the primary, and a write returns.
   */
  commandTimeoutMs?: number
  /** Errors of the cache tiers and background refreshes, rate-limited. Default console.warn. */
  onError?: (error: unknown) => void
  /** Clock, injectable for tests. */
  now?: () => Date | number
}

export interface ResolvedCachedOptions {
  primary: KeyStore
  cache: KeyCacheTier | undefined
  max: number
  ttlMs: number
  staleMs: number
  negativeTtlMs: number
  invalidation: InvalidationOptions | undefined
  watch: WatchOptions | undefined
  commandTimeoutMs: number
  onError: (error: unknown) => void
  clock: () => number
}

const TIER_METHODS = ['lookupCachedKey', 'fillCachedKey', 'forgetCachedKey', 'touchCachedKeys', 'close']

function assertDuration(value: unknown, name: string, allowZero: boolean): number {
  if (!Number.isSafeInteger(value) || (value as number) < (allowZero ? 0 : 1)) {
    throw new ConfigError(`${name} must be an integer number of milliseconds${allowZero ? ' >= 0' : ' > 0'}`)
  }
  return value as number
}

/** cachedStore's options, checked, with their defaults. */
export function resolveCachedOptions(options: CachedStoreOptions): ResolvedCachedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('cachedStore needs options: { primary, ttlMs, … }')
  }
  const {
    primary,
    cache,
    local = {},
    ttlMs = 10_000,
    staleMs = 60_000,
    negativeTtlMs = 5_000,
    invalidation,
    watch,
    commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
    onError = (error: unknown) =>
      console.warn(`keywarden cachedStore: ${error instanceof Error ? error.message : String(error)}`),
    now,
  } = options
  if (!hasMethods(primary, KEY_STORE_METHODS)) {
    throw new ConfigError('primary must be a KeyStore (sqlStore(), memoryStore(), redisStore(), …)')
  }
  if (cache !== undefined && !hasMethods(cache, TIER_METHODS)) {
    throw new ConfigError('cache must be a shared cache tier such as redisStore({ url, namespace })')
  }
  const max = local.max ?? 10_000
  if (!Number.isSafeInteger(max) || max < 1) throw new ConfigError('local.max must be a positive integer')
  assertDuration(ttlMs, 'ttlMs', false)
  assertDuration(staleMs, 'staleMs', true)
  assertDuration(negativeTtlMs, 'negativeTtlMs', true)
  assertCommandTimeout(commandTimeoutMs)
  if (typeof onError !== 'function') throw new ConfigError('onError must be a function')
  if (now !== undefined && typeof now !== 'function') throw new ConfigError('now must be a function')
  if (invalidation !== undefined) validateInvalidation(invalidation)
  if (watch !== undefined) validateWatch(watch)

  const clock: () => number =
    now === undefined
      ? Date.now
      : () => {
          const t = now()
          return typeof t === 'number' ? t : t.getTime()
        }
  return {
    primary,
    cache,
    max,
    ttlMs,
    staleMs,
    negativeTtlMs,
    invalidation,
    watch,
    commandTimeoutMs,
    onError,
    clock,
  }
}
