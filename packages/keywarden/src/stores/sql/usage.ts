import { sql } from 'kysely'
import type { UsageGranularity } from '../../usage/types.js'
import type { UsageRow, UsageStore } from '../usage-types.js'
import type { SqlDialect } from './dialects/types.js'
import { withTransaction } from './groups.js'
import type { Lifecycle } from './lifecycle.js'

/** Rows per INSERT: 6 parameters each, well under every engine's limit (SQLite's 32766). */
const CHUNK = 1000
const KEY = ['space', 'series', 'granularity', 'at', 'metric'] as const

/** Every process writes rows in this one order, so concurrent flushes lock rows alike (no deadlock). */
function byKey(a: UsageRow, b: UsageRow): number {
  for (const column of KEY) {
    const x = a[column]
    const y = b[column]
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/**
 * sqlStore's usage counts (table `<prefix>usage`, migration 0004_usage): a flush is one
 * `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` (MySQL: ON DUPLICATE KEY UPDATE) per
 * 1000 rows, in one transaction, retried on a deadlock or serialization failure.
 */
export function sqlUsage({ guarded }: Lifecycle, table: string, dialect: SqlDialect): UsageStore {
  return {
    async addUsage(rows) {
      if (rows.length === 0) return
      const sorted = [...rows].sort(byKey)
      await guarded('add usage counts', ({ q }) =>
        withTransaction(q, dialect, async (trx) => {
          for (let i = 0; i < sorted.length; i += CHUNK) {
            const values = sorted.slice(i, i + CHUNK).map((row) => ({ ...row }))
            const insert = trx.insertInto(table).values(values)
            const n = sql`${sql.ref(`${table}.n`)} + ${dialect.inserted('n')}`
            await dialect.upsert(insert, [...KEY], { n }).execute()
          }
        }),
      )
    },

    async sumUsage({ space, series, granularity, from, to }) {
      if (series.length === 0) return []
      return guarded('read usage counts', async ({ q }) => {
        const rows = await q
          .selectFrom(table)
          .select(['at', 'metric', (eb) => eb.fn.sum('n').as('n')])
          .where('space', '=', space)
          .where('series', 'in', [...new Set(series)])
          .where('granularity', '=', granularity)
          .where('at', '>=', from)
          .where('at', '<', to)
          .groupBy(['at', 'metric'])
          .execute()
        return rows.map((row) => ({ at: Number(row.at), metric: String(row.metric), n: Number(row.n) }))
      })
    },

    async pruneUsage(space, before) {
      return guarded('prune usage counts', async ({ q }) => {
        const result = await q
          .deleteFrom(table)
          .where('space', '=', space)
          .where((eb) =>
            eb.or(
              (Object.keys(before) as UsageGranularity[]).map((g) =>
                eb.and([eb('granularity', '=', g), eb('at', '<', before[g])]),
              ),
            ),
          )
          .executeTakeFirst()
        return Number(result.numDeletedRows)
      })
    },
  }
}
