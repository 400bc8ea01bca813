import { type Kysely, sql } from 'kysely'
import { type CounterSnapshot, decideConsume, type WindowCounts, windowStart } from '../sliding-window.js'
import type { ConsumeOutcome, ConsumeRequest } from '../types.js'
import type { SqliteDatabase } from './connect.js'
import type { SqlDialectName } from './options.js'

/**
 * consumeKey for the SQL store: one transaction per verification that locks the key's row
 * (SELECT … FOR UPDATE on postgres/mysql, BEGIN IMMEDIATE on sqlite), reads the counters of the
 * windows of `now` and the one before, runs decideConsume, writes the credits and upserts the
 * counters. Rows of windows older than the previous one are deleted when seen; deleteKey removes
 * the rest.
 */

export type Consume = (id: string, request: ConsumeRequest) => Promise<ConsumeOutcome>

interface WindowRow {
  name: string
  window_start: number
  count: number
}

interface Names {
  keys: string
  rateWindows: string
}

interface Plan {
  snapshot: CounterSnapshot
  /** Counter rows to delete: windows older than the previous one of their rule. */
  stale: WindowRow[]
}

/** Counts per rule from a key's counter rows, and the rows no rule reads any more. */
export function planWindows(
  request: ConsumeRequest,
  credits: { remaining: number | null; lastRefillAt: number | null },
  rows: WindowRow[],
): Plan {
  // Rows of names not in this request are kept, as the memory store keeps them: the request
  // carries the key's rules, and a rule removed and added back resumes its counts.
  const names = new Set(request.rateLimits.map((rule) => rule.name))
  const used = new Set<WindowRow>()
  const counts: WindowCounts[] = request.rateLimits.map((rule) => {
    const start = windowStart(request.now, rule.windowMs)
    let current = 0
    let previous = 0
    for (const row of rows) {
      if (row.name !== rule.name) continue
      if (row.window_start === start) {
        current = row.count
        used.add(row)
      } else if (row.window_start === start - rule.windowMs) {
        previous = row.count
        used.add(row)
      } else if (row.window_start > start) {
        // A verification with a later clock (another instance's skew): keep its row.
        used.add(row)
      }
    }
    return { previous, current }
  })
  return {
    snapshot: { ...credits, counts },
    stale: rows.filter((row) => names.has(row.name) && !used.has(row)),
  }
}

const num = (value: unknown): number => Number(value)
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)

/** Deadlocks and serialization failures are retried: the transaction did nothing. */
function isRetryable(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null
  return e?.code === '40P01' || e?.code === '40001' || e?.errno === 1213 || e?.code === 'ER_LOCK_DEADLOCK'
}

const ATTEMPTS = 5

/** The better-sqlite3 path: prepared statements in one synchronous BEGIN IMMEDIATE transaction. */
export function sqliteConsumer(db: SqliteDatabase, names: Names): Consume {
  // Prepared at first use: a store migrated by hand may not have the counters table until then.
  let run: ((id: string, request: ConsumeRequest) => ConsumeOutcome) | null = null
  return async (id, request) => {
    run ??= prepareSqlite(db, names)
    return run(id, request)
  }
}

function prepareSqlite(
  db: SqliteDatabase,
  names: Names,
): (id: string, request: ConsumeRequest) => ConsumeOutcome {
  const keys = `"${names.keys}"`
  const windows = `"${names.rateWindows}"`
  const readKey = db.prepare(`select remaining, last_refill_at from ${keys} where id = ?`)
  const readWindows = db.prepare(`select name, window_start, count from ${windows} where key_id = ?`)
  const writeCredits = db.prepare(`update ${keys} set remaining = ?, last_refill_at = ? where id = ?`)
  const upsert = db.prepare(
    `insert into ${windows} (key_id, name, window_start, count) values (?, ?, ?, ?)
     on conflict (key_id, name, window_start) do update set count = excluded.count`,
  )
  const remove = db.prepare(`delete from ${windows} where key_id = ? and name = ? and window_start = ?`)
  const transaction = db.transaction((id: string, request: ConsumeRequest): ConsumeOutcome => {
    const key = readKey.get(id) as { remaining: unknown; last_refill_at: unknown } | undefined
    if (!key) return { status: 'not_found' }
    const rows =
      request.rateLimits.length > 0
        ? (readWindows.all(id) as Array<Record<string, unknown>>).map((r) => ({
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
    if (decision.credits) writeCredits.run(decision.credits.remaining, decision.credits.lastRefillAt, id)
    if (decision.count) {
      request.rateLimits.forEach((rule, i) => {
        const counts = snapshot.counts[i] as WindowCounts
        upsert.run(id, rule.name, windowStart(request.now, rule.windowMs), counts.current + 1)
      })
    }
    for (const row of stale) remove.run(id, row.name, row.window_start)
    return decision.outcome
  })
  return (id, request) => transaction.immediate(id, request)
}

/** The Kysely path (postgres, mysql, and an app's own sqlite Kysely). */
export function kyselyConsumer(q: Kysely<any>, dialect: SqlDialectName, names: Names): Consume {
  async function work(trx: Kysely<any>, id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
    let read = trx.selectFrom(names.keys).select(['remaining', 'last_refill_at']).where('id', '=', id)
    if (dialect !== 'sqlite') read = read.forUpdate()
    const key = await read.executeTakeFirst()
    if (!key) return { status: 'not_found' }
    const rows =
      request.rateLimits.length > 0
        ? (
            await trx
              .selectFrom(names.rateWindows)
              .select(['name', 'window_start', 'count'])
              .where('key_id', '=', id)
              .execute()
          ).map((r) => ({ name: r.name as string, window_start: num(r.window_start), count: num(r.count) }))
        : []
    const { snapshot, stale } = planWindows(
      request,
      { remaining: numOrNull(key.remaining), lastRefillAt: numOrNull(key.last_refill_at) },
      rows,
    )
    const decision = decideConsume(request, snapshot)
    if (decision.credits) {
      await trx
        .updateTable(names.keys)
        .set({ remaining: decision.credits.remaining, last_refill_at: decision.credits.lastRefillAt })
        .where('id', '=', id)
        .execute()
    }
    if (decision.count) {
      const values = request.rateLimits.map((rule, i) => ({
        key_id: id,
        name: rule.name,
        window_start: windowStart(request.now, rule.windowMs),
        count: (snapshot.counts[i] as WindowCounts).current + 1,
      }))
      const insert = trx.insertInto(names.rateWindows).values(values)
      await (dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate({ count: sql`values(${sql.ref('count')})` })
        : insert.onConflict((oc) =>
            oc
              .columns(['key_id', 'name', 'window_start'])
              .doUpdateSet({ count: sql`excluded.${sql.ref('count')}` }),
          )
      ).execute()
    }
    if (stale.length > 0) {
      await trx
        .deleteFrom(names.rateWindows)
        .where('key_id', '=', id)
        .where((eb) =>
          eb.or(
            stale.map((row) =>
              eb.and([eb('name', '=', row.name), eb('window_start', '=', row.window_start)]),
            ),
          ),
        )
        .execute()
    }
    return decision.outcome
  }

  async function once(id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
    if (dialect !== 'sqlite') {
      // READ COMMITTED: every read after the row lock sees what the previous holder committed.
      return q
        .transaction()
        .setIsolationLevel('read committed')
        .execute((trx) => work(trx, id, request))
    }
    // Kysely's sqlite transactions are deferred; the write lock must come first.
    return q.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const outcome = await work(conn, id, request)
        await sql`commit`.execute(conn)
        return outcome
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => {})
        throw error
      }
    })
  }

  /**
   * Credits without rate limits, where the engine has RETURNING: one conditional UPDATE (refill
   * folded in) that spends only while `remaining >= cost`. The row lock of the UPDATE makes it
   * atomic; when it changes nothing (no such key, too few credits) the transaction below decides.
   */
  async function spendOnly(id: string, request: ConsumeRequest): Promise<ConsumeOutcome | null> {
    const { cost, refill } = request
    const due = refill
      ? sql`(${sql.ref('last_refill_at')} is null or ${sql.ref('last_refill_at')} < ${refill.at})`
      : sql`1 = 0`
    const balance = refill
      ? sql`case when ${due} then ${refill.amount} else ${sql.ref('remaining')} end`
      : sql.ref('remaining')
    const row = await q
      .updateTable(names.keys)
      .set({
        remaining: sql`${balance} - ${cost}`,
        last_refill_at: refill
          ? sql`case when ${due} then ${refill.at} else ${sql.ref('last_refill_at')} end`
          : sql.ref('last_refill_at'),
      })
      .where('id', '=', id)
      .where('remaining', 'is not', null)
      .where(sql<boolean>`${balance} >= ${Math.max(cost, 1)}`)
      .returning(['remaining'])
      .executeTakeFirst()
    if (row) return { status: 'ok', remaining: Number(row.remaining), limits: [] }
    // Too few credits with no refill due is the common refusal: one read shows it, and the answer
    // holds at the moment of that read. Anything else (a refill to write, no such key) goes on.
    const key = await q
      .selectFrom(names.keys)
      .select(['remaining', 'last_refill_at'])
      .where('id', '=', id)
      .executeTakeFirst()
    const remaining = numOrNull(key?.remaining)
    const lastRefillAt = numOrNull(key?.last_refill_at)
    const refillDue = refill !== null && (lastRefillAt === null || lastRefillAt < refill.at)
    if (remaining !== null && !refillDue && remaining < Math.max(cost, 1)) {
      return { status: 'usage_exceeded', remaining, limits: [] }
    }
    return null
  }

  return async (id, request) => {
    if (request.rateLimits.length === 0 && dialect !== 'mysql') {
      const spent = await spendOnly(id, request)
      if (spent) return spent
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(id, request)
      } catch (error) {
        if (attempt >= ATTEMPTS || !isRetryable(error)) throw error
      }
    }
  }
}
