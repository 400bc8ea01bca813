import type { Keywarden } from 'keywarden'
import { type RangeName, searchKeys, usageOver, usageTotals } from './data.js'
import type { OverviewProps, TopKey } from './views/overview.js'

/** How many of the newest keys the top-keys table ranks (one usage query each). */
const TOP_SCAN = 100
const TOP_SHOWN = 5

/** What the overview shows: usage of every key (keyless failures included), top keys, counts. */
export async function overviewData(warden: Keywarden, range: RangeName, now: Date): Promise<OverviewProps> {
  const [buckets, all] = await Promise.all([
    usageOver(warden, range, now),
    searchKeys(warden, { offset: 0, limit: TOP_SCAN }),
  ])
  const totals = usageTotals(buckets)
  let topKeys: TopKey[] = []
  if (totals.valid + totals.failed > 0) {
    const ranked = await Promise.all(
      all.items.map(async (record) => {
        const t = usageTotals(await usageOver(warden, range, now, record.id))
        return { record, valid: t.valid, failed: t.failed }
      }),
    )
    topKeys = ranked
      .filter((k) => k.valid + k.failed > 0)
      .sort((a, b) => b.valid + b.failed - (a.valid + a.failed))
      .slice(0, TOP_SHOWN)
  }
  return { range, buckets, ...totals, topKeys, keyCount: all.total }
}
