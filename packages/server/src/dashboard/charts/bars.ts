import {
  axisTicks,
  bucketLabel,
  type ChartGranularity,
  escapeXml,
  labelledIndexes,
  niceCeiling,
  shortNumber,
} from './scale.js'

/** One stacked series: its colour comes from the stylesheet class `s-<index>` (no inline styles). */
export interface ChartSeries {
  id: string
  label: string
}

export interface ChartBucket {
  at: Date
  /** Count per series id; missing = 0. */
  values: Record<string, number>
}

export interface StackedBarsInput {
  /** Unique on the page: ids of <title> and <desc> derive from it. */
  id: string
  title: string
  series: readonly ChartSeries[]
  buckets: readonly ChartBucket[]
  granularity: ChartGranularity
  width?: number
  height?: number
}

const MARGIN = { top: 10, right: 8, bottom: 26, left: 40 }

const fmt = (n: number) => n.toLocaleString('en-US')

/**
 * A server-rendered SVG of bars per bucket, stacked by series, with a y axis (0, half, top), up to
 * six time labels on the x axis, an accessible <title>/<desc> and a tooltip <title> on every bar.
 * Pure: same input, same markup. Text is escaped.
 */
export function stackedBars({
  id,
  title,
  series,
  buckets,
  granularity,
  width = 720,
  height = 220,
}: StackedBarsInput): string {
  const totals = buckets.map((b) => series.reduce((sum, s) => sum + (b.values[s.id] ?? 0), 0))
  const top = niceCeiling(Math.max(0, ...totals))
  const plotW = width - MARGIN.left - MARGIN.right
  const plotH = height - MARGIN.top - MARGIN.bottom
  const slot = buckets.length > 0 ? plotW / buckets.length : plotW
  const barW = Math.max(1, slot * 0.8)
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH
  const r = (n: number) => Math.round(n * 100) / 100

  const sums = series.map((s) => buckets.reduce((sum, b) => sum + (b.values[s.id] ?? 0), 0))
  const summary = `${fmt(totals.reduce((a, b) => a + b, 0))} in ${buckets.length} buckets: ${series
    .map((s, i) => `${s.label} ${fmt(sums[i] ?? 0)}`)
    .join(', ')}.`

  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${escapeXml(id)}-title ${escapeXml(id)}-desc">`,
    `<title id="${escapeXml(id)}-title">${escapeXml(title)}</title>`,
    `<desc id="${escapeXml(id)}-desc">${escapeXml(summary)}</desc>`,
  )
  for (const tick of axisTicks(top)) {
    const ty = r(y(tick))
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${ty}" y2="${ty}"/>`,
      `<text class="axis" x="${MARGIN.left - 6}" y="${ty + 4}" text-anchor="end">${shortNumber(tick)}</text>`,
    )
  }
  buckets.forEach((bucket, i) => {
    const x = r(MARGIN.left + i * slot + (slot - barW) / 2)
    let base = 0
    series.forEach((s, si) => {
      const value = bucket.values[s.id] ?? 0
      if (value <= 0) return
      const y0 = y(base)
      const y1 = y(base + value)
      base += value
      const label = `${bucketLabel(bucket.at, granularity)} — ${s.label}: ${fmt(value)}`
      parts.push(
        `<rect class="bar s-${si}" data-series="${escapeXml(s.id)}" x="${x}" y="${r(y1)}" width="${r(barW)}" height="${r(y0 - y1)}"><title>${escapeXml(label)}</title></rect>`,
      )
    })
  })
  for (const i of labelledIndexes(buckets.length)) {
    const bucket = buckets[i]
    if (!bucket) continue
    const x = r(MARGIN.left + i * slot + slot / 2)
    parts.push(
      `<text class="axis" x="${x}" y="${height - 8}" text-anchor="middle">${escapeXml(bucketLabel(bucket.at, granularity))}</text>`,
    )
  }
  parts.push('</svg>')
  return parts.join('')
}
