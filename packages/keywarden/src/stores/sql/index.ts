// kysely is an optional peer: importing keywarden/stores/sql without it fails with the install hint,
// not with a bare "Cannot find package" from deep inside the store.
import { importPeer } from '../../peer.js'

export type { PrintSchemaOptions, SqlMigration } from './migrations.js'
export type {
  SqlConnection,
  SqlDbConnection,
  SqlDialectName,
  SqlStoreOptions,
  SqlUrlConnection,
} from './options.js'
export type { SqlStore } from './store.js'
export type { KeysTable, KeywardenTables, RateWindowsTable, SecretsTable } from './tables.js'

export const { migrateToLatest, printSchema, SQL_MIGRATIONS, sqlStore } = await importPeer(
  () => import('./entry.js'),
  'kysely',
  'keywarden/stores/sql (sqlStore)',
)
