import type { Granularity, UsageBucketView } from '../data.js'
import { type ChartSeries, stackedBars } from './bars.js'
import { escapeXml } from './scale.js'

/** Verification outcomes in stacking order; the index is the colour class (s-0 … s-7). */
export const OUTCOMES: readonly ChartSeries[] = [
  { id: 'valid', label: 'valid' },
  { id: 'RATE_LIMITED', label: 'rate limited' },
  { id: 'USAGE_EXCEEDED', label: 'credits used up' },
  { id: 'INSUFFICIENT_SCOPES', label: 'missing scopes' },
  { id: 'EXPIRED', label: 'expired' },
  { id: 'REVOKED', label: 'revoked' },
  { id: 'NOT_FOUND', label: 'unknown key' },
  { id: 'MALFORMED', label: 'malformed' },
]

/** Verifications per bucket stacked by outcome, as SVG markup. */
export function usageChart(
  id: string,
  title: string,
  buckets: readonly UsageBucketView[],
  granularity: Granularity,
): string {
  return stackedBars({
    id,
    title,
    series: OUTCOMES,
    granularity,
    buckets: buckets.map((b) => ({ at: b.at, values: { valid: b.valid, ...b.invalid } })),
  })
}

/** The chart's legend: a swatch (class s-N) and label per outcome, as HTML. */
export function usageLegend(): string {
  return `<ul class="legend">${OUTCOMES.map(
    (s, i) =>
      `<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class="s-${i}" width="10" height="10" rx="2"/></svg>${escapeXml(s.label)}</li>`,
  ).join('')}</ul>`
}

/** An outcome code's label ("RATE_LIMITED" → "rate limited"). */
export function outcomeLabel(code: string): string {
  return OUTCOMES.find((s) => s.id === code)?.label ?? code
}
