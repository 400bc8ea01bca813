import { type Kysely, sql } from 'kysely'
import { LRUCache } from 'lru-cache'
import { type CounterSnapshot, decideConsume, type WindowCounts, windowStart } from '../sliding-window.js'
import type { ConsumeOutcome, ConsumeRequest } from '../types.js'
import type { SqlDialect } from './dialects/types.js'
import { type Names, RestartError, withTransaction } from './groups.js'

/**
 * consumeKey for the SQL store: one transaction per verification that locks the key's row — or,
 * for a key of a limit group, every row of the group in id order (SELECT … FOR UPDATE on
 * postgres/mysql, BEGIN IMMEDIATE on sqlite) — reads the counters of the windows of `now` and the
 * one before (key_id = the key's counterId), runs decideConsume, writes the credits (to every row
 * of the group) and upserts the counters. Rows of windows older than the previous one are deleted
 * when seen; deleteKey removes the rest.
 */

export type Consume = (id: string, request: ConsumeRequest) => Promise<ConsumeOutcome>

interface WindowRow {
  name: string
  window_start: number
  count: number
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

export const num = (value: unknown): number => Number(value)
export const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)

/** The Kysely path (every engine; sqlite: URLs use dialects/sqlite-consume.ts instead). */
export function kyselyConsumer(q: Kysely<any>, dialect: SqlDialect, names: Names): Consume {
  // The limit group of ids known to be in one. A key's limit_id never changes once set, so an
  // id not listed is locked alone first and, when it turns out to be in a group, retried.
  const groups = new LRUCache<string, string>({ max: 10_000 })

  /** Locks the rows the key's credits live on (its own, or its group's in id order) and reads them. */
  async function lockCredits(trx: Kysely<any>, id: string) {
    const known = groups.get(id)
    let read = trx.selectFrom(names.keys).select(['id', 'remaining', 'last_refill_at', 'limit_id'])
    read = known === undefined ? read.where('id', '=', id) : read.where('limit_id', '=', known).orderBy('id')
    read = dialect.lockRows(read)
    const own = (await read.execute()).find((row) => row.id === id)
    const group = (own?.limit_id as string | null | undefined) ?? null
    if (known !== undefined && group !== known) {
      groups.delete(id)
      throw new RestartError()
    }
    if (!own) return null
    if (group !== null && known === undefined) {
      groups.set(id, group)
      throw new RestartError()
    }
    return { remaining: numOrNull(own.remaining), lastRefillAt: numOrNull(own.last_refill_at), group }
  }

  async function work(trx: Kysely<any>, id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
    const key = await lockCredits(trx, id)
    if (!key) return { status: 'not_found' }
    const counter = key.group ?? id
    const rows =
      request.rateLimits.length > 0
        ? (
            await trx
              .selectFrom(names.rateWindows)
              .select(['name', 'window_start', 'count'])
              .where('key_id', '=', counter)
              .execute()
          ).map((r) => ({ name: r.name as string, window_start: num(r.window_start), count: num(r.count) }))
        : []
    const { snapshot, stale } = planWindows(
      request,
      { remaining: key.remaining, lastRefillAt: key.lastRefillAt },
      rows,
    )
    const decision = decideConsume(request, snapshot)
    if (decision.credits) {
      const write = trx
        .updateTable(names.keys)
        .set({ remaining: decision.credits.remaining, last_refill_at: decision.credits.lastRefillAt })
      await (key.group === null
        ? write.where('id', '=', id)
        : write.where('limit_id', '=', key.group)
      ).execute()
    }
    if (decision.count) {
      const values = request.rateLimits.map((rule, i) => ({
        key_id: counter,
        name: rule.name,
        window_start: windowStart(request.now, rule.windowMs),
        count: (snapshot.counts[i] as WindowCounts).current + 1,
      }))
      const insert = trx.insertInto(names.rateWindows).values(values)
      await dialect
        .upsert(insert, ['key_id', 'name', 'window_start'], { count: dialect.inserted('count') })
        .execute()
    }
    if (stale.length > 0) {
      await trx
        .deleteFrom(names.rateWindows)
        .where('key_id', '=', counter)
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

  /**
   * Credits without rate limits, where the engine has UPDATE … RETURNING: one conditional UPDATE (refill
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
      .where('limit_id', 'is', null)
      .where('remaining', 'is not', null)
      .where(sql<boolean>`${balance} >= ${Math.max(cost, 1)}`)
      .returning(['remaining'])
      .executeTakeFirst()
    if (row) return { status: 'ok', remaining: Number(row.remaining), limits: [] }
    // Too few credits with no refill due is the common refusal: one read shows it, and the answer
    // holds at the moment of that read. Anything else (a refill to write, no such key) goes on.
    const key = await q
      .selectFrom(names.keys)
      .select(['remaining', 'last_refill_at', 'limit_id'])
      .where('id', '=', id)
      .executeTakeFirst()
    // A key of a limit group spends in the transaction below, with its group's rows locked.
    if (key?.limit_id != null) {
      groups.set(id, key.limit_id as string)
      return null
    }
    const remaining = numOrNull(key?.remaining)
    const lastRefillAt = numOrNull(key?.last_refill_at)
    const refillDue = refill !== null && (lastRefillAt === null || lastRefillAt < refill.at)
    if (remaining !== null && !refillDue && remaining < Math.max(cost, 1)) {
      return { status: 'usage_exceeded', remaining, limits: [] }
    }
    return null
  }

  return async (id, request) => {
    if (request.rateLimits.length === 0 && dialect.returning && !groups.has(id)) {
      const spent = await spendOnly(id, request)
      if (spent) return spent
    }
    return withTransaction(q, dialect, (trx) => work(trx, id, request))
  }
}
