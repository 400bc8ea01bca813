import { ConfigError, ValidationError } from '../errors.js'
import { validateText } from '../keys/validate.js'
import type { VerifyFailureCode } from '../keys/verify.js'
import type { KeyStore } from '../stores/types.js'
import { BUCKET_MS, bucketStart } from './buckets.js'
import { KEYLESS_SERIES } from './counter.js'
import type { UsageBucket, UsageCounter, UsageGranularity, UsageQuery, UsageReport } from './types.js'

/** At most this many buckets per query: a day of minutes, two months of hours, four years of days. */
export const MAX_USAGE_BUCKETS = 1500

const NOT_FAILURES = new Set(['valid', 'spent'])

function toTime(value: unknown, field: 'from' | 'to'): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string'
        ? Date.parse(value)
        : typeof value === 'number'
          ? value
          : Number.NaN
  if (!Number.isFinite(ms)) {
    throw new ValidationError(`${field} must be a Date, an ISO 8601 string or epoch milliseconds`, { field })
  }
  return ms
}

/** The query, checked: bucket-aligned [from, to) and what to read. */
export function parseUsageQuery(query: unknown) {
  if (typeof query !== 'object' || query === null) {
    throw new ValidationError('usage.query needs { from, to, granularity } (and keyId or ownerId)')
  }
  const { keyId, ownerId, granularity, keyless } = query as UsageQuery
  if (typeof granularity !== 'string' || !Object.hasOwn(BUCKET_MS, granularity)) {
    throw new ValidationError("granularity must be 'minute', 'hour' or 'day'", { field: 'granularity' })
  }
  if (keyId !== undefined) validateText(keyId, 'keyId', 128)
  if (ownerId !== undefined) validateText(ownerId, 'ownerId', 256)
  if (keyless !== undefined && typeof keyless !== 'boolean') {
    throw new ValidationError('keyless must be true or false', { field: 'keyless' })
  }
  if (keyless && (keyId !== undefined || ownerId !== undefined)) {
    throw new ValidationError('keyless counts belong to no key: leave out keyId and ownerId', {
      field: 'keyless',
    })
  }
  const size = BUCKET_MS[granularity]
  const start = toTime((query as UsageQuery).from, 'from')
  const to = toTime((query as UsageQuery).to, 'to')
  if (!(to > start)) throw new ValidationError('to must be after from', { field: 'to' })
  const from = bucketStart(start, granularity)
  const count = Math.ceil((to - from) / size)
  if (count > MAX_USAGE_BUCKETS) {
    throw new ValidationError(
      `the range holds ${count} ${granularity} buckets; at most ${MAX_USAGE_BUCKETS} per query: narrow from/to or use a coarser granularity`,
      { field: 'granularity' },
    )
  }
  return { keyId, ownerId, keyless: keyless === true, granularity, from, to, count, size }
}

function emptyBuckets(from: number, count: number, size: number): UsageBucket[] {
  return Array.from({ length: count }, (_, i) => ({
    at: new Date(from + i * size),
    valid: 0,
    invalid: {},
    spent: 0,
  }))
}

/**
 * warden.usage.query over the warden's counter: every bucket of the range, empty ones included.
 * With keyId and ownerId both, the key's counts when the key belongs to that owner, else none.
 */
export function usageQuery(counter: UsageCounter | null, store: KeyStore) {
  return async function query(input: UsageQuery): Promise<UsageReport> {
    const q = parseUsageQuery(input)
    if (!counter) {
      throw new ConfigError(
        'usage counting is off: it needs a store that keeps usage (memoryStore, sqlStore, redisStore, cachedStore over one) and usage not set to false',
      )
    }
    const buckets = emptyBuckets(q.from, q.count, q.size)
    if (q.keyId !== undefined && q.ownerId !== undefined) {
      const key = await store.getKeyById(q.keyId)
      if (key?.ownerId !== q.ownerId) return { buckets }
    }
    const series = q.keyless ? [KEYLESS_SERIES] : q.keyId !== undefined ? [q.keyId] : undefined
    const sums = await counter.sum({
      series,
      ownerId: series ? undefined : q.ownerId,
      from: q.from,
      to: q.to,
      granularity: q.granularity as UsageGranularity,
    })
    for (const { at, metrics } of sums) {
      const bucket = buckets[Math.floor((at - q.from) / q.size)]
      if (!bucket) continue
      for (const metric in metrics) {
        const n = metrics[metric] as number
        if (metric === 'valid') bucket.valid += n
        else if (metric === 'spent') bucket.spent += n
        else if (!NOT_FAILURES.has(metric)) {
          const code = metric as VerifyFailureCode
          bucket.invalid[code] = (bucket.invalid[code] ?? 0) + n
        }
      }
    }
    return { buckets }
  }
}
