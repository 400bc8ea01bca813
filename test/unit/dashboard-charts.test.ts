import { describe, expect, it } from 'vitest'
import { stackedBars } from '../../packages/server/src/dashboard/charts/bars.js'
import {
  axisTicks,
  bucketLabel,
  escapeXml,
  labelledIndexes,
  niceCeiling,
  shortNumber,
} from '../../packages/server/src/dashboard/charts/scale.js'
import { OUTCOMES, usageChart, usageLegend } from '../../packages/server/src/dashboard/charts/usage.js'

const hour = (h: number) => new Date(Date.UTC(2026, 11, 1, h))
const rects = (svg: string) => [
  ...svg.matchAll(
    /<rect class="bar s-(\d)" data-series="([^"]+)" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">/g,
  ),
]

describe('chart scale', () => {
  it('rounds the axis top up to 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 1, 3, 7, 10, 11, 99, 101, 4000, 5001].map(niceCeiling)).toEqual([
      1, 1, 5, 10, 10, 20, 100, 200, 5000, 10000,
    ])
    expect(axisTicks(20)).toEqual([0, 10, 20])
    expect(axisTicks(1)).toEqual([0, 1])
  })

  it('writes short axis numbers and UTC bucket labels', () => {
    expect([0, 5, 1500, 20_000, 2_500_000].map(shortNumber)).toEqual(['0', '5', '1.5k', '20k', '2.5M'])
    expect(bucketLabel(hour(14), 'hour')).toBe('14:00')
    expect(bucketLabel(hour(3), 'day')).toBe('Dec 1')
  })

  it('labels at most six evenly spaced buckets, the first always', () => {
    expect(labelledIndexes(24)).toEqual([0, 4, 8, 12, 16, 20])
    expect(labelledIndexes(3)).toEqual([0, 1, 2])
    expect(labelledIndexes(0)).toEqual([])
  })
})

describe('stacked bar chart', () => {
  const series = [
    { id: 'ok', label: 'valid' },
    { id: 'bad', label: 'failed' },
  ]

  it('draws one bar per series per bucket, stacked, with a tooltip title each', () => {
    const svg = stackedBars({
      id: 't',
      title: 'Verifications',
      series,
      granularity: 'hour',
      buckets: [
        { at: hour(0), values: { ok: 6, bad: 2 } },
        { at: hour(1), values: { ok: 0, bad: 4 } },
        { at: hour(2), values: {} },
      ],
    })
    const bars = rects(svg)
    expect(bars.map((m) => [m[1], m[2]])).toEqual([
      ['0', 'ok'],
      ['1', 'bad'],
      ['1', 'bad'],
    ])
    // Stacked: the failed part of the first bucket sits right on top of its valid part.
    const [valid, failed] = bars
    expect(Number(failed?.[4]) + Number(failed?.[5])).toBeCloseTo(Number(valid?.[4]), 1)
    // Heights are proportional to the counts: 6 vs 2 vs 4 on a nice top of 10.
    expect(Number(valid?.[5]) / Number(failed?.[5])).toBeCloseTo(3, 1)
    expect(svg).toContain('<title>00:00 — valid: 6</title>')
    expect(svg).toContain('<title>01:00 — failed: 4</title>')
    // Axis: 0, 5 and 10, and the hour labels.
    for (const label of ['>0<', '>5<', '>10<', '>00:00<', '>02:00<']) expect(svg).toContain(label)
  })

  it('is accessible: role img, labelled by its <title> and a <desc> summing each series', () => {
    const svg = stackedBars({
      id: 'a',
      title: 'Usage',
      series,
      granularity: 'day',
      buckets: [{ at: hour(0), values: { ok: 1234, bad: 1 } }],
    })
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="a-title a-desc">/)
    expect(svg).toContain('<title id="a-title">Usage</title>')
    expect(svg).toContain('<desc id="a-desc">1,235 in 1 buckets: valid 1,234, failed 1.</desc>')
    expect(svg).not.toMatch(/style=/)
  })

  it('escapes text and draws an empty range without bars', () => {
    const svg = stackedBars({
      id: 'x"y',
      title: '<script>alert(1)</script>',
      series: [{ id: 's', label: 'a & b' }],
      granularity: 'hour',
      buckets: [{ at: hour(0), values: { s: 0 } }],
    })
    expect(svg).not.toContain('<script>')
    expect(svg).toContain('&#60;script&#62;')
    expect(svg).toContain('x&#34;y-title')
    expect(rects(svg)).toEqual([])
    expect(escapeXml(`'&"<>`)).toBe('&#39;&#38;&#34;&#60;&#62;')
  })
})

describe('usage chart', () => {
  it('stacks valid first, then each failure code in a fixed colour', () => {
    const svg = usageChart(
      'u',
      'Key usage',
      [{ at: hour(5), valid: 3, invalid: { RATE_LIMITED: 2, REVOKED: 1 } }],
      'hour',
    )
    expect(rects(svg).map((m) => [m[1], m[2]])).toEqual([
      ['0', 'valid'],
      ['1', 'RATE_LIMITED'],
      ['5', 'REVOKED'],
    ])
    expect(usageLegend().match(/<li>/g)).toHaveLength(OUTCOMES.length)
  })
})
