import { ConfigError } from '../errors.js'
import { serialFlush } from '../serial-flush.js'
import type { UsageRow, UsageStore } from '../stores/usage-types.js'
import { BUCKET_MS, bucketStart, GRANULARITIES } from './buckets.js'
import type { UsageCounter, UsageGranularity } from './types.js'

/**
 * Series the counter keeps besides the ones it is given. They contain a space, which no key id
 * (`key_` + base62, or an imported id of printable characters without spaces) ever does.
 */
export const KEYLESS_SERIES = '* keyless'
/** Every series not starting with `* `, summed: what a query for "every key" reads. */
export const ALL_SERIES = '* all'
/** Every series counted with this owner, summed. */
export const ownerSeries = (ownerId: string) => `* owner ${ownerId}`
const isOwnSeries = (series: string) => series.startsWith('* ')

const MINUTE_MS = BUCKET_MS.minute
const DAY_MS = BUCKET_MS.day
const PRUNE_EVERY_MS = 3_600_000

export interface UsageCounterOptions {
  store: UsageStore
  /** The name rows are written under (`keys` for the warden; the vault takes another). */
  space: string
  /** How often counts are written. Default 5000 ms. */
  flushIntervalMs?: number
  /** How long buckets are kept. Default 90. */
  retentionDays?: number
  /** Milliseconds since the epoch. Default Date.now. */
  clock?: () => number
  /** Failures of the timer's flushes and prunes (the counts are kept for the next flush). */
  onError?: (error: unknown) => void
}

/** What has been counted for one series in one minute, not yet written. */
interface Cell {
  series: string
  ownerId: string | null
  minute: number
  counts: Record<string, number>
}

/** The counter the warden uses, with a one-metric `count` for the verify hot path. */
export interface WardenUsageCounter extends UsageCounter {
  /** Adds `n` of `metric` to the series' minute of `at` (default: now); no allocation once the minute's cell exists. */
  count(series: string, ownerId: string | null, metric: string, n: number, at?: number): void
  /**
   * The live counts of the series' minute of `at`, metric -> n, for adding several metrics with one
   * look-up (the verify hot path). Only add to it, synchronously; never keep it.
   */
  counts(series: string, ownerId: string | null, at: number): Record<string, number>
}

/** Checks the shared options (flushIntervalMs, retentionDays); the message says what to fix. */
export function assertUsageOptions(options: { flushIntervalMs?: unknown; retentionDays?: unknown }): void {
  const { flushIntervalMs, retentionDays } = options
  if (
    flushIntervalMs !== undefined &&
    !(Number.isSafeInteger(flushIntervalMs) && (flushIntervalMs as number) >= 10)
  ) {
    throw new ConfigError('usage.flushIntervalMs must be an integer number of milliseconds >= 10')
  }
  if (
    retentionDays !== undefined &&
    !(
      Number.isSafeInteger(retentionDays) &&
      (retentionDays as number) >= 1 &&
      (retentionDays as number) <= 36_500
    )
  ) {
    throw new ConfigError('usage.retentionDays must be a whole number of days from 1 to 36500')
  }
}

/**
 * Usage counting without a store write per event: `count`/`add` increment a Map in memory; a timer
 * (unref'd) writes everything pending in one `addUsage` call per flush — one row per series, bucket
 * and metric, for the minute and its hour and day together, so roll-ups always equal minute sums.
 * Series not starting with `* ` are also summed into ALL_SERIES and their owner's series.
 * Internal: the warden and the vault build theirs with it.
 * @throws ConfigError when an option is invalid.
 */
export function createUsageCounter(options: UsageCounterOptions): WardenUsageCounter {
  const { store, space, flushIntervalMs = 5000, retentionDays = 90, clock = Date.now } = options
  assertUsageOptions(options)
  if (typeof space !== 'string' || space.length < 1 || space.length > 32) {
    throw new ConfigError('usage space must be a name of 1-32 characters')
  }
  const onError = options.onError ?? (() => {})
  let cells = new Map<string, Cell>()
  let closedCells: Cell[] = []
  let retry: UsageRow[] = []
  let lastPrune = Number.NEGATIVE_INFINITY
  let stopped = false

  const timer = setInterval(() => {
    flush()
      .then(() => (clock() - lastPrune >= PRUNE_EVERY_MS ? prune() : 0))
      .catch(onError)
  }, flushIntervalMs)
  timer.unref()

  function counts(series: string, ownerId: string | null, at: number): Record<string, number> {
    const minute = at - (at % MINUTE_MS)
    let cell = cells.get(series)
    if (cell === undefined || cell.minute !== minute || cell.ownerId !== ownerId) {
      if (cell !== undefined) closedCells.push(cell)
      cell = { series, ownerId, minute, counts: {} }
      cells.set(series, cell)
    }
    return cell.counts
  }

  function count(series: string, ownerId: string | null, metric: string, n: number, at = clock()): void {
    const into = counts(series, ownerId, at)
    into[metric] = (into[metric] ?? 0) + n
  }

  /** Pending cells and failed rows as rows: one per (series, granularity, bucket, metric). */
  function rowsOf(pending: Iterable<Cell>, earlier: UsageRow[]): UsageRow[] {
    const rows = new Map<string, UsageRow>()
    const put = (series: string, granularity: UsageGranularity, at: number, metric: string, n: number) => {
      const id = `${series}\u0000${granularity}\u0000${at}\u0000${metric}`
      const row = rows.get(id)
      if (row) row.n += n
      else rows.set(id, { space, series, granularity, at, metric, n })
    }
    for (const row of earlier) put(row.series, row.granularity, row.at, row.metric, row.n)
    for (const cell of pending) {
      const targets = [cell.series]
      if (!isOwnSeries(cell.series)) {
        targets.push(ALL_SERIES)
        if (cell.ownerId !== null) targets.push(ownerSeries(cell.ownerId))
      }
      for (const metric in cell.counts) {
        const n = cell.counts[metric] as number
        if (n === 0) continue
        for (const series of targets)
          for (const g of GRANULARITIES) put(series, g, bucketStart(cell.minute, g), metric, n)
      }
    }
    return [...rows.values()]
  }

  async function write(): Promise<void> {
    if (cells.size === 0 && closedCells.length === 0 && retry.length === 0) return
    const rows = rowsOf([...closedCells, ...cells.values()], retry)
    cells = new Map()
    closedCells = []
    retry = []
    if (rows.length === 0) return
    try {
      await store.addUsage(rows)
    } catch (error) {
      // addUsage is all or nothing: the same rows go again with the next flush.
      retry = retry.length === 0 ? rows : rowsOf([], [...rows, ...retry])
      throw error
    }
  }

  const flush = serialFlush(write)

  async function prune(): Promise<number> {
    const now = clock()
    lastPrune = now
    const keep = retentionDays * DAY_MS
    // A bucket goes once it ended more than the retention ago.
    const before = {} as Record<UsageGranularity, number>
    for (const g of GRANULARITIES) before[g] = now - keep - BUCKET_MS[g] + 1
    return store.pruneUsage(space, before)
  }

  return {
    count,
    counts,
    add(series, ownerId, metrics, at = clock()) {
      for (const metric in metrics) count(series, ownerId, metric, metrics[metric] as number, at)
    },
    async sum({ series, ownerId, from, to, granularity }) {
      // Pending counts first go to the store, so one read answers flushed and pending together.
      if (!stopped) await flush()
      const names = series ?? [ownerId === undefined ? ALL_SERIES : ownerSeries(ownerId)]
      const sums = await store.sumUsage({ space, series: names, granularity, from, to })
      const byAt = new Map<number, Record<string, number>>()
      for (const { at, metric, n } of sums) {
        const metrics = byAt.get(at) ?? {}
        metrics[metric] = (metrics[metric] ?? 0) + n
        byAt.set(at, metrics)
      }
      return [...byAt].sort(([a], [b]) => a - b).map(([at, metrics]) => ({ at, metrics }))
    },
    flush,
    prune,
    async close() {
      stopped = true
      clearInterval(timer)
      await flush()
    },
  }
}
