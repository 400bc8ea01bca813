import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely'
import { loadDriver } from '../driver.js'
import {
  connectionFailure,
  excluded,
  NETWORK_CODES,
  offlineKysely,
  onConflict,
  parseServerUrl,
  readCommitted,
} from './common.js'
import type { SqlDialect } from './types.js'

const pgCode = (error: unknown) => (error as { code?: unknown } | null)?.code

export const postgres: SqlDialect = {
  name: 'postgres',
  adapter: PostgresAdapter,
  offline: () =>
    offlineKysely({
      createAdapter: () => new PostgresAdapter(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    }),
  schemas: true,
  returning: true,
  types: {
    // The default collation is the database locale; "C" orders like JavaScript's `<` on ASCII.
    text: (n) => sql.raw(`varchar(${n}) collate "C"`),
    json: sql.raw('text'),
    flag: sql.raw('smallint'),
    tableEnd: () => sql.raw(''),
  },

  async open(url, poolSize, importer) {
    const { target } = parseServerUrl(url, postgres, 5432)
    const pg = await loadDriver('pg', 'postgres://', importer)
    const pool = new pg.Pool({ connectionString: url, max: poolSize })
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {})
    return {
      db: new Kysely({ dialect: new PostgresDialect({ pool }) }),
      dialect: postgres,
      target,
      owned: true,
    }
  },
  migrationCollation: async () => 'utf8mb4_bin',
  retryMigration: () => false,

  transaction: readCommitted,
  lockRows: (query) => query.forUpdate() as typeof query,
  lockFreeRows: (query) => query.forUpdate().skipLocked() as typeof query,
  upsert: onConflict,
  inserted: excluded,
  async touch(q, table, entries) {
    await sql`update ${sql.table(table)} as k set last_used_at = v.at
      from (select unnest(${entries.map((e) => e[0])}::text[]) as id, unnest(${entries.map((e) => e[1])}::bigint[]) as at) as v
      where k.id = v.id and (k.last_used_at is null or k.last_used_at < v.at)`.execute(q)
  },

  isUniqueViolation: (error) => pgCode(error) === '23505',
  // deadlock_detected, serialization_failure
  isRetryable: (error) => pgCode(error) === '40P01' || pgCode(error) === '40001',
  // bad password, no such role, no such database, too many connections, shutting down
  isConnectionFailure: connectionFailure([
    ...NETWORK_CODES,
    '28P01',
    '28000',
    '3D000',
    '53300',
    '57P01',
    '57P03',
  ]),
}
