import type { UsageGranularity } from './types.js'

/** Length of a bucket of each granularity, in ms (UTC: no daylight saving, days of 24 h). */
export const BUCKET_MS: Record<UsageGranularity, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
}

export const GRANULARITIES = Object.keys(BUCKET_MS) as UsageGranularity[]

/** Start of the bucket of `granularity` holding epoch ms `at`. */
export function bucketStart(at: number, granularity: UsageGranularity): number {
  const size = BUCKET_MS[granularity]
  return Math.floor(at / size) * size
}
