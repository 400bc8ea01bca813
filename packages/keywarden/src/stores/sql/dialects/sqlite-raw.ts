import type { CompiledQuery, Kysely } from 'kysely'
import { conflicts, type Names, rollSteps, type Steps, updateSteps } from '../groups.js'
import { keyFromArray } from '../rows.js'
import { sqliteConsumer } from './sqlite-consume.js'
import type { SqliteDatabase, SqliteStatement } from './sqlite-open.js'
import type { HotPath, KeyReads, SqlDialect } from './types.js'

type Row = Record<string, unknown>

/**
 * The speed trick "raw driver calls past Kysely" (docs/benchmarks.md, Speed tricks): on a
 * better-sqlite3 connection the store owns, reads are prepared statements read as arrays, and every
 * transaction runs synchronously inside BEGIN IMMEDIATE. All of them must be synchronous: an
 * awaited Kysely transaction on the same connection would let a raw read in between see its
 * uncommitted rows, or nest a BEGIN inside it.
 */
export function rawHotPath(
  db: SqliteDatabase,
  q: Kysely<any>,
  names: Names,
  reads: KeyReads,
  dialect: SqlDialect,
): HotPath {
  const byHash = db.prepare(reads.byHash.sql).raw(true)
  const byId = db.prepare(reads.byId.sql).raw(true)
  const read = (statement: SqliteStatement, value: string) => {
    const row = statement.get(value) as unknown[] | undefined
    return row ? keyFromArray(row) : null
  }
  const drive = syncDriver(db)
  return {
    byHash: async (hash) => read(byHash, hash),
    byId: async (id) => read(byId, id),
    consume: sqliteConsumer(db, names),
    groups: {
      async rollKey(key, oldId, patch) {
        try {
          return drive(rollSteps(q, dialect, names, key, oldId, patch))
        } catch (error) {
          return conflicts(dialect, key)(error)
        }
      },
      async updateCredits(id, patch) {
        return drive(updateSteps(q, dialect, names, id, patch))
      },
    },
  }
}

/** Runs group steps on `db` inside one BEGIN IMMEDIATE transaction; `q` only compiled them. */
function syncDriver(db: SqliteDatabase): <T>(run: Steps<T>) => T {
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
  return <T>(run: Steps<T>) => transaction.immediate(run) as T
}
