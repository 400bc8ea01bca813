// kysely is an optional peer: importing keywarden/stores/sql without it fails with the install hint,
// not with a bare "Cannot find package" from deep inside the store.
import { importPeer } from '../../peer.js'

export type { SqliteChangeMarker } from './data-version.js'
export type {
  PrintSchemaOptions,
  SchemaContext,
  SqlMigration,
  Statement as SqlMigrationStatement,
} from './migrations.js'
export type {
  SqlConnection,
  SqlDbConnection,
  SqlDialectName,
  SqlStoreOptions,
  SqlUrlConnection,
} from './options.js'
export type { SqlStore } from './store.js'
export type {
  AuditTable,
  EpochMs,
  KeysTable,
  KeywardenTables,
  NullableEpochMs,
  RateWindowsTable,
  SecretsTable,
} from './tables.js'

const entry = await importPeer(() => import('./entry.js'), 'kysely', 'keywarden/stores/sql (sqlStore)')

export const { migrateToLatest, printSchema, SQL_MIGRATIONS } = entry

// Declared here rather than destructured so that editors show this comment on hover.
/**
 * Issued keys and vault secrets in SQLite, PostgreSQL or MySQL/MariaDB through Kysely, with usage
 * limits and atomic roll. Never touches the network itself: it connects (and with
 * `migrate: 'auto'` migrates) at its first call. The driver of the url's scheme (better-sqlite3,
 * pg, mysql2) is an optional peer, loaded then.
 * @throws ConfigError when the connection or options are invalid (not exactly one of url and db,
 * an unknown scheme, a bad tablePrefix, schema or poolSize); at first call when the driver is not
 * installed. Its methods throw StoreError naming the engine and host (never a password) when the
 * database is unreachable or the tables are missing with `migrate: 'manual'`.
 * @example
 * import { sqlStore } from 'keywarden/stores/sql'
 * const store = sqlStore({ url: 'sqlite:keys.db' })
 * const pg = sqlStore({ url: process.env.DATABASE_URL }, { schema: 'auth', poolSize: 20 })
 */
export const sqlStore: typeof entry.sqlStore = entry.sqlStore
