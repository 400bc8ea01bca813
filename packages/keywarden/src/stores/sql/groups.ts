import { type Compilable, type CompiledQuery, type Kysely, sql } from 'kysely'
import { groupOf } from '../limit-group.js'
import type { KeyPatch, RolledKeys, StoredKey } from '../types.js'
import type { SqliteDatabase, SqliteStatement } from './connect.js'
import { isUniqueViolation, keyConflict } from './errors.js'
import type { SqlDialectName } from './options.js'
import { KEY_COLUMNS, keyFromRow, keyToRow, patchColumns } from './rows.js'

/**
 * Roll and limit groups in SQL. A group's balance is written to every member row in one
 * transaction, so any member row shows it; its counters are the rate_windows rows of key_id =
 * the group id. Every writer of a group's balance locks the group's rows in id order first.
 *
 * The steps are written once, as generators yielding queries: run synchronously inside one
 * better-sqlite3 transaction (sqlite: URLs, whose connection the hot path shares), or awaited
 * inside one Kysely transaction (postgres, mysql, an app's own Kysely).
 */

export interface Names {
  keys: string
  rateWindows: string
}

type Row = Record<string, unknown>
type Steps<T> = Generator<Compilable, T, Row[]>

/** Thrown when a key joined a group between the read and the lock: the attempt is retried. */
export class RestartError extends Error {}

/** Deadlocks, serialization failures and restarts are retried: the transaction did nothing. */
export function isRetryable(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null
  return (
    error instanceof RestartError ||
    e?.code === '40P01' ||
    e?.code === '40001' ||
    e?.errno === 1213 ||
    e?.code === 'ER_LOCK_DEADLOCK'
  )
}

export const ATTEMPTS = 5

/** One transaction, retried while it fails for a retryable reason. */
export async function withTransaction<T>(
  q: Kysely<any>,
  dialect: SqlDialectName,
  work: (trx: Kysely<any>) => Promise<T>,
): Promise<T> {
  const once = (): Promise<T> => {
    if (dialect !== 'sqlite') {
      // READ COMMITTED: every read after a row lock sees what the previous holder committed.
      return q.transaction().setIsolationLevel('read committed').execute(work)
    }
    // Kysely's sqlite transactions are deferred; the write lock must come first.
    return q.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const result = await work(conn)
        await sql`commit`.execute(conn)
        return result
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => {})
        throw error
      }
    })
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await once()
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryable(error)) throw error
    }
  }
}

/**
 * Locks the rows a key's balance lives on — its own row, or every row of its group in id order —
 * and reads the key. Null when no key has that id.
 */
function* lockKey(
  q: Kysely<any>,
  dialect: SqlDialectName,
  names: Names,
  id: string,
): Steps<{ key: StoredKey; group: string | null } | null> {
  const [found] = yield q.selectFrom(names.keys).select('limit_id').where('id', '=', id)
  if (!found) return null
  const group = (found.limit_id as string | null) ?? null
  let query = q.selectFrom(names.keys).select([...KEY_COLUMNS])
  query = group === null ? query.where('id', '=', id) : query.where('limit_id', '=', group).orderBy('id')
  if (dialect !== 'sqlite') query = query.forUpdate()
  const own = (yield query).find((row) => row.id === id)
  if (!own) return null
  if (((own.limit_id as string | null) ?? null) !== group) throw new RestartError()
  return { key: keyFromRow(own), group }
}

function* rollSteps(
  q: Kysely<any>,
  dialect: SqlDialectName,
  names: Names,
  key: StoredKey,
  oldId: string,
  patch: KeyPatch,
): Steps<RolledKeys | null> {
  const locked = yield* lockKey(q, dialect, names, oldId)
  if (!locked) return null
  const old = locked.key
  const group = groupOf(old)
  // The old row first, the new one second: a conflict on the new key undoes both.
  yield q
    .updateTable(names.keys)
    .set({
      ...patchColumns(patch),
      limit_id: group.limitId,
      limit_created_at: group.limitCreatedAt.getTime(),
    })
    .where('id', '=', oldId)
  const created: StoredKey = { ...key, ...group, remaining: old.remaining, lastRefillAt: old.lastRefillAt }
  yield q.insertInto(names.keys).values(keyToRow(created))
  const [row] = yield q
    .selectFrom(names.keys)
    .select([...KEY_COLUMNS])
    .where('id', '=', oldId)
  return { previous: keyFromRow(row as Row), created }
}

/** updateKey of a patch that sets the balance: the key's row, then the rest of its group. */
function* updateSteps(
  q: Kysely<any>,
  dialect: SqlDialectName,
  names: Names,
  id: string,
  patch: KeyPatch,
): Steps<StoredKey | null> {
  const locked = yield* lockKey(q, dialect, names, id)
  if (!locked) return null
  const set = patchColumns(patch)
  yield q.updateTable(names.keys).set(set).where('id', '=', id)
  if (locked.group !== null) {
    const credits: Row = {}
    if ('remaining' in set) credits.remaining = set.remaining
    if ('last_refill_at' in set) credits.last_refill_at = set.last_refill_at
    yield q.updateTable(names.keys).set(credits).where('limit_id', '=', locked.group).where('id', '<>', id)
  }
  const [row] = yield q
    .selectFrom(names.keys)
    .select([...KEY_COLUMNS])
    .where('id', '=', id)
  return row ? keyFromRow(row) : null
}

export interface GroupOps {
  rollKey(key: StoredKey, oldId: string, patch: KeyPatch): Promise<RolledKeys | null>
  /** updateKey for a patch that sets remaining or lastRefillAt. */
  updateCredits(id: string, patch: KeyPatch): Promise<StoredKey | null>
}

function conflicts(key: StoredKey) {
  return (error: unknown) => {
    throw isUniqueViolation(error) ? keyConflict(error, key.id) : error
  }
}

export function kyselyGroups(q: Kysely<any>, dialect: SqlDialectName, names: Names): GroupOps {
  const drive = <T>(steps: (trx: Kysely<any>) => Steps<T>) =>
    withTransaction(q, dialect, async (trx) => {
      const run = steps(trx)
      let next = run.next(undefined as unknown as Row[])
      while (!next.done) {
        const { rows } = await trx.executeQuery<Row>(next.value.compile())
        next = run.next(rows as Row[])
      }
      return next.value
    })
  return {
    rollKey: (key, oldId, patch) =>
      drive((trx) => rollSteps(trx, dialect, names, key, oldId, patch)).catch(conflicts(key)),
    updateCredits: (id, patch) => drive((trx) => updateSteps(trx, dialect, names, id, patch)),
  }
}

/** `q` only compiles here: every query runs on `db`, inside one BEGIN IMMEDIATE transaction. */
export function sqliteGroups(db: SqliteDatabase, q: Kysely<any>, names: Names): GroupOps {
  const statements = new Map<string, SqliteStatement>()
  const exec = (compiled: CompiledQuery): Row[] => {
    let statement = statements.get(compiled.sql)
    if (!statement) {
      statement = db.prepare(compiled.sql)
      statements.set(compiled.sql, statement)
    }
    if (compiled.query.kind === 'SelectQueryNode') return statement.all(...compiled.parameters) as Row[]
    statement.run(...compiled.parameters)
    return []
  }
  const transaction = db.transaction((run: Steps<unknown>): unknown => {
    let next = run.next(undefined as unknown as Row[])
    while (!next.done) next = run.next(exec(next.value.compile()))
    return next.value
  })
  const drive = <T>(run: Steps<T>) => transaction.immediate(run) as T
  return {
    async rollKey(key, oldId, patch) {
      try {
        return drive(rollSteps(q, 'sqlite', names, key, oldId, patch))
      } catch (error) {
        return conflicts(key)(error)
      }
    },
    async updateCredits(id, patch) {
      return drive(updateSteps(q, 'sqlite', names, id, patch))
    },
  }
}
