import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely'
import { readDataVersion } from '../data-version.js'
import { sqlitePath } from '../url.js'
import { excluded, NETWORK_CODES, offlineKysely, onConflict } from './common.js'
import { LockingSqliteDialect, SqliteMigrationLock } from './sqlite-lock.js'
import { isSqliteBusy, openDatabase } from './sqlite-open.js'
import { rawHotPath } from './sqlite-raw.js'
import type { SqlDialect } from './types.js'

const code = (error: unknown) => (error as { code?: unknown } | null)?.code
const networkCodes = new Set(NETWORK_CODES)

export const sqlite: SqlDialect = {
  name: 'sqlite',
  dataVersion: readDataVersion,
  adapter: SqliteAdapter,
  offline: () =>
    offlineKysely({
      createAdapter: () => new SqliteAdapter(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    }),
  schemas: false,
  returning: true,
  types: {
    text: (n) => sql.raw(`varchar(${n})`),
    json: sql.raw('text'),
    flag: sql.raw('integer'),
    tableEnd: () => sql.raw(''),
  },

  async open(url, _poolSize, importer) {
    const path = sqlitePath(url)
    const database = await openDatabase(path, importer)
    const lock = new SqliteMigrationLock()
    const dialect = new LockingSqliteDialect({ database: database as never }, lock)
    return {
      db: new Kysely({ dialect }),
      dialect: sqlite,
      target: { dialect: sqlite, where: path, secrets: [] },
      migrationLock: lock,
      hotPath: (q, names, reads) => rawHotPath(database, q, names, reads, sqlite),
      owned: true,
    }
  },
  migrationCollation: async () => 'utf8mb4_bin',
  // Kysely creates its migration tables before taking the lock, and a WAL read that turns into a
  // write answers SQLITE_BUSY at once instead of waiting on busy_timeout. So when several
  // processes open one new file together the losers retry, and then find the winner's migrations
  // recorded. Without our lock (an app's own SQLite Kysely) any failure is retried a few times.
  retryMigration: (error, attempt, locked) =>
    attempt < 20 && (isSqliteBusy(error) || (!locked && attempt < 3)),

  // Kysely's sqlite transactions are deferred; the write lock must come first.
  transaction: (q, work) =>
    q.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const result = await work(conn)
        await sql`commit`.execute(conn)
        return result
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => {})
        throw error
      }
    }),
  // BEGIN IMMEDIATE locked the whole database already.
  lockRows: (query) => query,
  lockFreeRows: (query) => query,
  upsert: onConflict,
  inserted: excluded,
  async touch(q, table, entries) {
    const t = sql.table(table)
    await sql`with v(id, at) as (select json_extract(value, '$[0]'), json_extract(value, '$[1]') from json_each(${JSON.stringify(entries)}))
      update ${t} set last_used_at = v.at from v
      where ${t}.id = v.id and (${t}.last_used_at is null or ${t}.last_used_at < v.at)`.execute(q)
  },

  isUniqueViolation: (error) =>
    code(error) === 'SQLITE_CONSTRAINT_UNIQUE' || code(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  isRetryable: () => false,
  isConnectionFailure: (errorCode) => networkCodes.has(errorCode),
}
