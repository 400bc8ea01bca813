import type { UsageGranularity } from '../usage/types.js'
import type { UsageStore } from './usage-types.js'

/** memoryStore's usage counts: per (space, granularity, series), bucket start -> metric -> n. */
export function memoryUsage(): UsageStore {
  const series = new Map<string, Map<number, Map<string, number>>>()
  const idOf = (space: string, granularity: UsageGranularity, name: string) =>
    `${space}\u0000${granularity}\u0000${name}`

  return {
    async addUsage(rows) {
      // Synchronous from here on: all rows land together, no caller sees half of them.
      for (const row of rows) {
        const id = idOf(row.space, row.granularity, row.series)
        const buckets = series.get(id) ?? new Map<number, Map<string, number>>()
        series.set(id, buckets)
        const metrics = buckets.get(row.at) ?? new Map<string, number>()
        buckets.set(row.at, metrics)
        metrics.set(row.metric, (metrics.get(row.metric) ?? 0) + row.n)
      }
    },

    async sumUsage({ space, series: names, granularity, from, to }) {
      const sums = new Map<string, { at: number; metric: string; n: number }>()
      for (const name of new Set(names)) {
        for (const [at, metrics] of series.get(idOf(space, granularity, name)) ?? []) {
          if (at < from || at >= to) continue
          for (const [metric, n] of metrics) {
            const id = `${at}\u0000${metric}`
            const sum = sums.get(id)
            if (sum) sum.n += n
            else sums.set(id, { at, metric, n })
          }
        }
      }
      return [...sums.values()]
    },

    async pruneUsage(space, before) {
      let removed = 0
      for (const [id, buckets] of series) {
        const [rowSpace, granularity] = id.split('\u0000') as [string, UsageGranularity]
        if (rowSpace !== space) continue
        for (const [at, metrics] of buckets) {
          if (at >= before[granularity]) continue
          removed += metrics.size
          buckets.delete(at)
        }
        if (buckets.size === 0) series.delete(id)
      }
      return removed
    },
  }
}
