import { decideConsume, type WindowCounts, windowStart } from '../../sliding-window.js'
import type { ConsumeOutcome, ConsumeRequest } from '../../types.js'
import { type Consume, num, numOrNull, planWindows } from '../consume.js'
import type { Names } from '../groups.js'
import type { SqliteDatabase } from './sqlite-open.js'

/**
 * consumeKey on a better-sqlite3 connection the store owns: prepared statements in one synchronous
 * BEGIN IMMEDIATE transaction (the same steps as consume.ts's Kysely path, without its awaits).
 */
export function sqliteConsumer(db: SqliteDatabase, names: Names): Consume {
  // Prepared at first use: a store migrated by hand may not have the counters table until then.
  let run: ((id: string, request: ConsumeRequest) => ConsumeOutcome) | null = null
  return async (id, request) => {
    run ??= prepare(db, names)
    return run(id, request)
  }
}

function prepare(db: SqliteDatabase, names: Names): (id: string, request: ConsumeRequest) => ConsumeOutcome {
  const keys = `"${names.keys}"`
  const windows = `"${names.rateWindows}"`
  const readKey = db.prepare(`select remaining, last_refill_at, limit_id from ${keys} where id = ?`)
  const readWindows = db.prepare(`select name, window_start, count from ${windows} where key_id = ?`)
  const writeCredits = db.prepare(`update ${keys} set remaining = ?, last_refill_at = ? where id = ?`)
  const writeGroupCredits = db.prepare(
    `update ${keys} set remaining = ?, last_refill_at = ? where limit_id = ?`,
  )
  const upsert = db.prepare(
    `insert into ${windows} (key_id, name, window_start, count) values (?, ?, ?, ?)
     on conflict (key_id, name, window_start) do update set count = excluded.count`,
  )
  const remove = db.prepare(`delete from ${windows} where key_id = ? and name = ? and window_start = ?`)
  const transaction = db.transaction((id: string, request: ConsumeRequest): ConsumeOutcome => {
    const key = readKey.get(id) as
      | { remaining: unknown; last_refill_at: unknown; limit_id: string | null }
      | undefined
    if (!key) return { status: 'not_found' }
    const group = key.limit_id ?? null
    const counter = group ?? id
    const rows =
      request.rateLimits.length > 0
        ? (readWindows.all(counter) as Array<Record<string, unknown>>).map((r) => ({
            name: r.name as string,
            window_start: num(r.window_start),
            count: num(r.count),
          }))
        : []
    const { snapshot, stale } = planWindows(
      request,
      { remaining: numOrNull(key.remaining), lastRefillAt: numOrNull(key.last_refill_at) },
      rows,
    )
    const decision = decideConsume(request, snapshot)
    if (decision.credits) {
      const { remaining, lastRefillAt } = decision.credits
      if (group === null) writeCredits.run(remaining, lastRefillAt, id)
      else writeGroupCredits.run(remaining, lastRefillAt, group)
    }
    if (decision.count) {
      request.rateLimits.forEach((rule, i) => {
        const counts = snapshot.counts[i] as WindowCounts
        upsert.run(counter, rule.name, windowStart(request.now, rule.windowMs), counts.current + 1)
      })
    }
    for (const row of stale) remove.run(counter, row.name, row.window_start)
    return decision.outcome
  })
  return (id, request) => transaction.immediate(id, request)
}
