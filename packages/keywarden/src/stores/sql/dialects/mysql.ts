import { Kysely, MysqlAdapter, MysqlDialect, MysqlIntrospector, MysqlQueryCompiler, sql } from 'kysely'
import { loadDriver } from '../driver.js'
import { connectionFailure, NETWORK_CODES, offlineKysely, parseServerUrl, readCommitted } from './common.js'
import type { SqlDialect } from './types.js'

/** Bind parameters per statement stay well under 65,535. */
const TOUCH_CHUNK = 5000

/** MariaDB has utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin; utf8mb4_bin (PAD SPACE) is the fallback. */
async function binaryCollation(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ name: string }>`
    select collation_name as name from information_schema.collations
    where collation_name in ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')`.execute(db)
  const names = rows.map((r) => r.name)
  return names.includes('utf8mb4_nopad_bin')
    ? 'utf8mb4_nopad_bin'
    : names.includes('utf8mb4_0900_bin')
      ? 'utf8mb4_0900_bin'
      : 'utf8mb4_bin'
}

const engineError = (error: unknown) => (error ?? {}) as { code?: unknown; errno?: unknown }

export const mysql: SqlDialect = {
  name: 'mysql',
  adapter: MysqlAdapter,
  offline: () =>
    offlineKysely({
      createAdapter: () => new MysqlAdapter(),
      createIntrospector: (db) => new MysqlIntrospector(db),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    }),
  schemas: false,
  returning: false,
  types: {
    text: (n) => sql.raw(`varchar(${n})`),
    json: sql.raw('mediumtext'),
    flag: sql.raw('smallint'),
    // A binary, no-pad utf8mb4 collation, so ids and owners compare byte for byte.
    tableEnd: (collation) => sql.raw(`engine=InnoDB default character set utf8mb4 collate ${collation}`),
  },

  async open(url, poolSize, importer) {
    const { parsed, target } = parseServerUrl(url, mysql, 3306)
    const driver = await loadDriver('mysql2', 'mysql://', importer)
    const pool = driver.createPool({
      host: parsed.hostname || 'localhost',
      port: Number(parsed.port || 3306),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
      connectionLimit: poolSize,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
    })
    return { db: new Kysely({ dialect: new MysqlDialect({ pool }) }), dialect: mysql, target, owned: true }
  },
  migrationCollation: binaryCollation,
  retryMigration: () => false,

  transaction: readCommitted,
  lockRows: (query) => query.forUpdate() as typeof query,
  lockFreeRows: (query) => query.forUpdate().skipLocked() as typeof query,
  upsert: (insert, _conflict, set) => insert.onDuplicateKeyUpdate(set),
  inserted: (column) => sql`values(${sql.ref(column)})`,
  async touch(q, table, entries) {
    for (let i = 0; i < entries.length; i += TOUCH_CHUNK) {
      const chunk = entries.slice(i, i + TOUCH_CHUNK)
      const cases = sql.join(
        chunk.map(([id, at]) => sql`when ${id} then greatest(coalesce(last_used_at, 0), ${at})`),
        sql` `,
      )
      await sql`update ${sql.table(table)} set last_used_at = case id ${cases} else last_used_at end
        where id in (${sql.join(chunk.map((e) => e[0]))})`.execute(q)
    }
  },

  isUniqueViolation: (error) =>
    engineError(error).code === 'ER_DUP_ENTRY' || engineError(error).errno === 1062,
  isRetryable: (error) => engineError(error).errno === 1213 || engineError(error).code === 'ER_LOCK_DEADLOCK',
  // access denied, unknown database, too many connections, connection lost
  isConnectionFailure: connectionFailure([
    ...NETWORK_CODES,
    'PROTOCOL_CONNECTION_LOST',
    'ER_ACCESS_DENIED_ERROR',
    'ER_DBACCESS_DENIED_ERROR',
    'ER_BAD_DB_ERROR',
    'ER_CON_COUNT_ERROR',
  ]),
}
