import { within } from '../redis/bounded.js'
import type { CachedLookup, KeyCacheTier } from '../redis/cache-tier.js'
import type { StoredKey } from '../types.js'

/** How long the shared tier is skipped after it failed, before the next attempt. */
const RETRY_AFTER_MS = 500
const MAX_PENDING_FORGETS = 100_000
/** Remembered invalidations replayed at once, before the tier is read again. */
const REPLAY_BATCH = 500

export interface SharedTier {
  /** The cached lookup, or null when the tier is down (the caller falls through to the primary). */
  lookup(hash: string): Promise<CachedLookup | null>
  fill(key: StoredKey, generation: string): Promise<void>
  /** true once the tier has dropped the entry; false when the invalidation is remembered for later. */
  forget(hash: string): Promise<boolean>
  touch(entries: Array<{ id: string; hash: string; lastUsedAt: Date }>): Promise<void>
  close(): Promise<void>
}

/**
 * The shared tier behind a guard: its failures never reach a request, and no call waits on it
 * longer than `timeoutMs`. After a failure the tier is skipped for a while, then one call probes
 * it while the others keep skipping it. An invalidation that could not be written is kept and
 * replayed before the tier is read again, so a tier that comes back (after a partition, with its
 * data) never serves an entry a write has invalidated meanwhile.
 */
export function guardSharedTier(
  tier: KeyCacheTier,
  { ttlMs, timeoutMs }: { ttlMs: number; timeoutMs: number },
  report: (error: unknown) => void,
  clock: () => number,
): SharedTier {
  let downUntil = 0
  /** The tier failed and has not answered since: only one call at a time tries it. */
  let suspect = false
  let probing = false
  /** Nothing in the tier may be trusted before this (too many lost invalidations to remember). */
  let distrustUntil = 0
  const pending = new Set<string>()
  let replaying: Promise<boolean> | null = null

  const bound = <T>(promise: Promise<T>, what: string) => within(promise, timeoutMs, what)
  const failed = (error: unknown) => {
    downUntil = clock() + RETRY_AFTER_MS
    suspect = true
    report(error)
  }
  const answered = () => {
    suspect = false
  }

  /** Forgets the remembered hashes, for at most timeoutMs (the rest waits for the next read). */
  async function replay(): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    try {
      const hashes = [...pending]
      for (let i = 0; i < hashes.length; i += REPLAY_BATCH) {
        if (Date.now() >= deadline) return false
        await Promise.all(
          hashes.slice(i, i + REPLAY_BATCH).map(async (hash) => {
            await bound(tier.forgetCachedKey(hash), 'a remembered invalidation')
            pending.delete(hash)
          }),
        )
      }
      answered()
      return true
    } catch (error) {
      failed(error)
      return false
    }
  }

  async function usable(): Promise<boolean> {
    const at = clock()
    if (at < downUntil || at < distrustUntil || probing) return false
    if (pending.size === 0) return true
    replaying ??= replay().finally(() => {
      replaying = null
    })
    return replaying
  }

  /** Runs one call on the tier, bounded; while the tier is suspect, others skip it meanwhile. */
  async function attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
    const probe = suspect
    if (probe) probing = true
    try {
      const result = await bound(call(), what)
      answered()
      return result
    } finally {
      if (probe) probing = false
    }
  }

  function remember(hash: string) {
    if (pending.size >= MAX_PENDING_FORGETS) {
      pending.clear()
      distrustUntil = clock() + ttlMs
    }
    pending.add(hash)
  }

  return {
    async lookup(hash) {
      if (!(await usable())) return null
      try {
        return await attempt('a cache lookup', () => tier.lookupCachedKey(hash))
      } catch (error) {
        failed(error)
        return null
      }
    },
    async fill(key, generation) {
      if (!(await usable())) return
      try {
        await attempt('a cache fill', () => tier.fillCachedKey(key, generation, ttlMs))
      } catch (error) {
        failed(error)
      }
    },
    async forget(hash) {
      if (clock() < downUntil || probing) {
        remember(hash)
        return false
      }
      try {
        await attempt('an invalidation', () => tier.forgetCachedKey(hash))
        return true
      } catch (error) {
        remember(hash)
        failed(error)
        return false
      }
    },
    async touch(entries) {
      if (entries.length === 0 || !(await usable())) return
      try {
        await attempt('a last-used update', () => tier.touchCachedKeys(entries))
      } catch (error) {
        failed(error)
      }
    },
    // A redisStore's own close already gives up after one timeout (QUIT, then a hard disconnect).
    close: () => within(tier.close(), 2 * timeoutMs, 'closing the cache tier').catch(report),
  }
}
