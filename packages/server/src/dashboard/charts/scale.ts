/** Axis helpers of the dashboard's SVG charts: pure, no DOM. */

export type ChartGranularity = 'minute' | 'hour' | 'day'

/** The smallest 1, 2 or 5 × 10ⁿ at or above `max` (at least 1), so axis ticks are round numbers. */
export function niceCeiling(max: number): number {
  if (!Number.isFinite(max) || max <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power
  return 10 * power
}

/** 0, half and the top of a nice axis: three labelled gridlines. */
export function axisTicks(top: number): number[] {
  return top >= 2 ? [0, top / 2, top] : [0, top]
}

/** "1.2k", "3M": short axis labels. */
export function shortNumber(n: number): string {
  if (n >= 1e6) return `${trim(n / 1e6)}M`
  if (n >= 1e3) return `${trim(n / 1e3)}k`
  return trim(n)
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, '')
}

const pad = (n: number) => String(n).padStart(2, '0')

/** A bucket's label in UTC: "14:00" for minutes and hours, "Dec 1" for days. */
export function bucketLabel(at: Date, granularity: ChartGranularity): string {
  if (granularity === 'day') {
    return at.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
  }
  return `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`
}

/** At most `max` evenly spaced indexes of `count` buckets to label, always the first. */
export function labelledIndexes(count: number, max = 6): number[] {
  if (count <= 0) return []
  const step = Math.max(1, Math.ceil(count / max))
  const out: number[] = []
  for (let i = 0; i < count; i += step) out.push(i)
  return out
}

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
