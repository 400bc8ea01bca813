import type { CachedLookup, KeyCacheTier } from '../redis/cache-tier.js'
import type { StoredKey } from '../types.js'

/** How long the shared tier is skipped after it failed, before the next attempt. */
const RETRY_AFTER_MS = 500
const MAX_PENDING_FORGETS = 100_000

export interface SharedTier {
  /** The cached lookup, or null when the tier is down (the caller falls through to the primary). */
  lookup(hash: string): Promise<CachedLookup | null>
  fill(key: StoredKey, generation: string): Promise<void>
  forget(hash: string): Promise<void>
  touch(entries: Array<{ id: string; hash: string; lastUsedAt: Date }>): Promise<void>
  close(): Promise<void>
}

/**
 * The shared tier behind a guard: its failures never reach a request. An invalidation that could
 * not be written is kept and replayed before the tier is read again, so a tier that comes back
 * (after a partition, with its data) never serves an entry a write has invalidated meanwhile.
 */
export function guardSharedTier(
  tier: KeyCacheTier,
  ttlMs: number,
  report: (error: unknown) => void,
  clock: () => number,
): SharedTier {
  let downUntil = 0
  /** Nothing in the tier may be trusted before this (too many lost invalidations to remember). */
  let distrustUntil = 0
  const pending = new Set<string>()
  let replaying: Promise<boolean> | null = null

  const failed = (error: unknown) => {
    downUntil = clock() + RETRY_AFTER_MS
    report(error)
  }

  async function replay(): Promise<boolean> {
    try {
      for (const hash of [...pending]) {
        await tier.forgetCachedKey(hash)
        pending.delete(hash)
      }
      return true
    } catch (error) {
      failed(error)
      return false
    }
  }

  async function usable(): Promise<boolean> {
    const at = clock()
    if (at < downUntil || at < distrustUntil) return false
    if (pending.size === 0) return true
    replaying ??= replay().finally(() => {
      replaying = null
    })
    return replaying
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
        return await tier.lookupCachedKey(hash)
      } catch (error) {
        failed(error)
        return null
      }
    },
    async fill(key, generation) {
      if (!(await usable())) return
      try {
        await tier.fillCachedKey(key, generation, ttlMs)
      } catch (error) {
        failed(error)
      }
    },
    async forget(hash) {
      if (clock() < downUntil) {
        remember(hash)
        return
      }
      try {
        await tier.forgetCachedKey(hash)
      } catch (error) {
        remember(hash)
        failed(error)
      }
    },
    async touch(entries) {
      if (entries.length === 0 || !(await usable())) return
      try {
        await tier.touchCachedKeys(entries)
      } catch (error) {
        failed(error)
      }
    },
    close: () => tier.close(),
  }
}
