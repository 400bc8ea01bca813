/**
 * What the dashboard reads beyond keys.get: key search and usage counts (`warden.usage.query`;
 * with usage counting off the charts show empty buckets).
 */
import {
  ConfigError,
  type Keywarden,
  type SearchKeysOptions,
  type SearchKeysResult,
  type VerifyFailureCode,
} from 'keywarden'

export type Granularity = 'minute' | 'hour' | 'day'

/** The shape of `warden.usage.query`'s answer the dashboard uses. */
export interface UsageBucketView {
  at: Date
  valid: number
  invalid: Partial<Record<VerifyFailureCode, number>>
}

/** The chart ranges a page offers: 24 hours by hour, 7 and 30 days by day. */
export const RANGES = {
  '24h': { label: '24 hours', ms: 24 * 3_600_000, granularity: 'hour' },
  '7d': { label: '7 days', ms: 7 * 86_400_000, granularity: 'day' },
  '30d': { label: '30 days', ms: 30 * 86_400_000, granularity: 'day' },
} as const satisfies Record<string, { label: string; ms: number; granularity: Granularity }>

export type RangeName = keyof typeof RANGES

export function parseRange(value: string | undefined): RangeName {
  return value !== undefined && Object.hasOwn(RANGES, value) ? (value as RangeName) : '24h'
}

const STEP: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/** Empty buckets over the range, for a warden without usage counting. */
function emptyBuckets(from: Date, to: Date, granularity: Granularity): UsageBucketView[] {
  const step = STEP[granularity]
  const out: UsageBucketView[] = []
  for (let t = Math.floor(from.getTime() / step) * step; t < to.getTime(); t += step) {
    out.push({ at: new Date(t), valid: 0, invalid: {} })
  }
  return out
}

/** Usage of one key (or of every key, plus the keyless failures, without keyId) over a range. */
export async function usageOver(
  warden: Keywarden,
  range: RangeName,
  now: Date,
  keyId?: string,
): Promise<UsageBucketView[]> {
  const { ms, granularity } = RANGES[range]
  const step = STEP[granularity]
  // The current bucket is included: the range ends at the end of the bucket now is in.
  const to = new Date((Math.floor(now.getTime() / step) + 1) * step)
  const from = new Date(to.getTime() - ms)
  try {
    if (keyId !== undefined) return (await warden.usage.query({ keyId, from, to, granularity })).buckets
    const [keys, keyless] = await Promise.all([
      warden.usage.query({ from, to, granularity }),
      warden.usage.query({ from, to, granularity, keyless: true }),
    ])
    return keys.buckets.map((bucket, i) => mergeBuckets(bucket, keyless.buckets[i]))
  } catch (error) {
    // Usage counting is off (usage: false, or a store without usage): empty charts, not an error.
    if (error instanceof ConfigError) return emptyBuckets(from, to, granularity)
    throw error
  }
}

function mergeBuckets(a: UsageBucketView, b: UsageBucketView | undefined): UsageBucketView {
  if (!b) return a
  const invalid = { ...a.invalid }
  for (const [code, n] of Object.entries(b.invalid) as [VerifyFailureCode, number][]) {
    invalid[code] = (invalid[code] ?? 0) + n
  }
  return { at: a.at, valid: a.valid + b.valid, invalid }
}

/** Sums of a bucket list: valid, failed, and failures by code. */
export function usageTotals(buckets: readonly UsageBucketView[]) {
  let valid = 0
  const failures: Partial<Record<VerifyFailureCode, number>> = {}
  for (const bucket of buckets) {
    valid += bucket.valid
    for (const [code, n] of Object.entries(bucket.invalid) as [VerifyFailureCode, number][]) {
      failures[code] = (failures[code] ?? 0) + n
    }
  }
  const failed = Object.values(failures).reduce((a, b) => a + (b ?? 0), 0)
  return { valid, failed, failures }
}

/** Keys matching name/id/start text, owner and state, newest first: one page of them and the total. */
export function searchKeys(warden: Keywarden, search: SearchKeysOptions): Promise<SearchKeysResult> {
  return warden.keys.search(search)
}
