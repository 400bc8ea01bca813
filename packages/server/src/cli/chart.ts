/** A small terminal bar chart of usage buckets: one row per bucket, unicode blocks on a terminal. */
import type { UsageBucket } from 'keywarden'

const BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']
const WIDTH = 40

export interface UsageTotals {
  valid: number
  invalid: Record<string, number>
  spent: number
}

export function totalsOf(buckets: readonly UsageBucket[]): UsageTotals {
  const totals: UsageTotals = { valid: 0, invalid: {}, spent: 0 }
  for (const bucket of buckets) {
    totals.valid += bucket.valid
    totals.spent += bucket.spent
    for (const [code, count] of Object.entries(bucket.invalid)) {
      totals.invalid[code] = (totals.invalid[code] ?? 0) + (count ?? 0)
    }
  }
  return totals
}

const countOf = (bucket: UsageBucket) =>
  bucket.valid + Object.values(bucket.invalid).reduce((sum: number, n) => sum + (n ?? 0), 0)

function bar(value: number, max: number, unicode: boolean): string {
  if (max === 0 || value === 0) return ''
  const eighths = Math.max(1, Math.round((value / max) * WIDTH * 8))
  if (!unicode) return '#'.repeat(Math.max(1, Math.round(eighths / 8)))
  return '█'.repeat(Math.floor(eighths / 8)) + BLOCKS[eighths % 8]
}

function label(at: Date, granularity: string): string {
  const iso = at.toISOString()
  return granularity === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
}

/** The chart (verifications per bucket, valid and refused together) and the totals by outcome. */
export function usageChart(buckets: readonly UsageBucket[], granularity: string, unicode: boolean): string {
  const max = Math.max(0, ...buckets.map(countOf))
  const width = String(max).length
  const rows = buckets.map((b) => {
    const count = countOf(b)
    return `${label(b.at, granularity)}  ${String(count).padStart(width)} ${bar(count, max, unicode)}`
  })
  const totals = totalsOf(buckets)
  const refused = Object.entries(totals.invalid)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code} ${n}`)
  const summary = [
    `valid ${totals.valid}`,
    ...refused,
    ...(totals.spent > 0 ? [`credits spent ${totals.spent}`] : []),
  ]
  return `${rows.join('\n')}\n\nTotal: ${summary.join(', ')}\n`
}
