import type { UsageGranularity } from '../usage/types.js'
import { hasMethods } from './types.js'

/** One counted bucket: `n` of `metric` for `series` in the bucket of `granularity` starting at `at`. */
export interface UsageRow {
  /** Which counter wrote it: `keys` for the warden's verifications, another name for the vault's. */
  space: string
  /** A key id, a provider-key ref, or a series of the counter's own (they start with `* `). */
  series: string
  granularity: UsageGranularity
  /** Start of the bucket, epoch ms (UTC minute, hour or day). */
  at: number
  /** `valid`, a failure code, `spent`, … */
  metric: string
  n: number
}

/** Sums over one or more series, per bucket start and metric, of buckets starting in [from, to). */
export interface UsageSumQuery {
  space: string
  series: readonly string[]
  granularity: UsageGranularity
  from: number
  to: number
}

export interface UsageSum {
  at: number
  metric: string
  n: number
}

/**
 * Where usage counts live (memoryStore, sqlStore, redisStore; cachedStore delegates to its
 * primary). Rows never hold a key, a hash or any secret: series ids, times, metric names, counts.
 */
export interface UsageStore {
  /**
   * Adds every row's `n` to its bucket (created at 0), all or nothing: a failed call added none of
   * them, so the caller may send the same rows again. Exact under concurrent callers and processes.
   */
  addUsage(rows: readonly UsageRow[]): Promise<void>
  /** The sums of the query's buckets that hold counts, in no particular order. */
  sumUsage(query: UsageSumQuery): Promise<UsageSum[]>
  /** Deletes the space's buckets of each granularity that start before `before[granularity]`; returns how many. */
  pruneUsage(space: string, before: Record<UsageGranularity, number>): Promise<number>
}

export const USAGE_STORE_METHODS = ['addUsage', 'sumUsage', 'pruneUsage'] as const

/** True when `store` keeps usage counts. */
export function keepsUsage(store: unknown): store is UsageStore {
  return hasMethods(store, USAGE_STORE_METHODS)
}

/** A wrapper's usage methods: its inner store's, or none (cachedStore counts in its primary). */
export function usageOf(inner: unknown): UsageStore | Record<string, never> {
  if (!keepsUsage(inner)) return {}
  return {
    addUsage: (rows) => inner.addUsage(rows),
    sumUsage: (query) => inner.sumUsage(query),
    pruneUsage: (space, before) => inner.pruneUsage(space, before),
  }
}
