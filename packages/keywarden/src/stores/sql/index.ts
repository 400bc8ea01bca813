export { type PrintSchemaOptions, printSchema, SQL_MIGRATIONS, type SqlMigration } from './migrations.js'
export type {
  SqlConnection,
  SqlDbConnection,
  SqlDialectName,
  SqlStoreOptions,
  SqlUrlConnection,
} from './options.js'
export { migrateToLatest, type SqlStore, sqlStore } from './store.js'
export type { KeysTable, KeywardenTables, RateWindowsTable, SecretsTable } from './tables.js'
