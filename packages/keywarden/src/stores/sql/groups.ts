import type { Compilable, Kysely } from 'kysely'
import { groupOf } from '../limit-group.js'
import type { KeyPatch, RolledKeys, StoredKey } from '../types.js'
import type { SqlDialect } from './dialects/types.js'
import { keyConflict } from './errors.js'
import { KEY_COLUMNS, keyFromRow, keyToRow, patchColumns } from './rows.js'

/**
 * Roll and limit groups in SQL. A group's balance is written to every member row in one
 * transaction, so any member row shows it; its counters are the rate_windows rows of key_id =
 * the group id. Every writer of a group's balance locks the group's rows in id order first.
 *
 * The steps are written once, as generators yielding queries: awaited inside one Kysely
 * transaction here, or run synchronously inside one better-sqlite3 transaction
 * (dialects/sqlite-raw.ts, for sqlite: URLs, whose connection the hot path shares).
 */

export interface Names {
  keys: string
  rateWindows: string
}

type Row = Record<string, unknown>
export type Steps<T> = Generator<Compilable, T, Row[]>

/** Thrown when a key joined a group between the read and the lock: the attempt is retried. */
export class RestartError extends Error {}

export const ATTEMPTS = 5

/** One transaction, retried while it fails for a retryable reason (then it did nothing). */
export async function withTransaction<T>(
  q: Kysely<any>,
  dialect: SqlDialect,
  work: (trx: Kysely<any>) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialect.transaction(q, work)
    } catch (error) {
      const retryable = error instanceof RestartError || dialect.isRetryable(error)
      if (attempt >= ATTEMPTS || !retryable) throw error
    }
  }
}

/**
 * Locks the rows a key's balance lives on — its own row, or every row of its group in id order —
 * and reads the key. Null when no key has that id.
 */
function* lockKey(
  q: Kysely<any>,
  dialect: SqlDialect,
  names: Names,
  id: string,
): Steps<{ key: StoredKey; group: string | null } | null> {
  const [found] = yield q.selectFrom(names.keys).select('limit_id').where('id', '=', id)
  if (!found) return null
  const group = (found.limit_id as string | null) ?? null
  let query = q.selectFrom(names.keys).select([...KEY_COLUMNS])
  query = group === null ? query.where('id', '=', id) : query.where('limit_id', '=', group).orderBy('id')
  query = dialect.lockRows(query)
  const own = (yield query).find((row) => row.id === id)
  if (!own) return null
  if (((own.limit_id as string | null) ?? null) !== group) throw new RestartError()
  return { key: keyFromRow(own), group }
}

export function* rollSteps(
  q: Kysely<any>,
  dialect: SqlDialect,
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
export function* updateSteps(
  q: Kysely<any>,
  dialect: SqlDialect,
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

/** A unique violation of a rolled-in key, as the ConflictError saying which. */
export function conflicts(dialect: SqlDialect, key: StoredKey) {
  return (error: unknown): never => {
    throw dialect.isUniqueViolation(error) ? keyConflict(error, key.id) : error
  }
}

export function kyselyGroups(q: Kysely<any>, dialect: SqlDialect, names: Names): GroupOps {
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
      drive((trx) => rollSteps(trx, dialect, names, key, oldId, patch)).catch(conflicts(dialect, key)),
    updateCredits: (id, patch) => drive((trx) => updateSteps(trx, dialect, names, id, patch)),
  }
}
