import { type Kysely, type MigrationResult, Migrator, sql } from 'kysely'
import { StoreError } from '../../errors.js'
import { isSqliteBusy, type Target } from './connect.js'
import { toStoreError } from './errors.js'
import { migrationProvider, migrationTables } from './migrations.js'
import type { SqlDialectName } from './options.js'
import type { SqliteMigrationLock } from './sqlite-lock.js'

export interface MigrateContext {
  db: Kysely<any>
  dialect: SqlDialectName
  tablePrefix: string
  schema: string | undefined
  target: Target
  sqliteLock?: SqliteMigrationLock | undefined
}

/** MariaDB has utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin; utf8mb4_bin (PAD SPACE) is the fallback. */
async function mysqlCollation(db: Kysely<any>): Promise<string> {
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

/**
 * Runs pending migrations under the engine's lock (pg advisory lock, MySQL GET_LOCK, SQLite
 * BEGIN IMMEDIATE). Returns one result per migration run; an empty list when nothing was pending.
 */
export async function runMigrations(ctx: MigrateContext): Promise<MigrationResult[]> {
  const { db, dialect, tablePrefix, schema, target, sqliteLock } = ctx
  let collation = 'utf8mb4_bin'
  try {
    if (dialect === 'mysql') collation = await mysqlCollation(db)
  } catch (error) {
    throw toStoreError(error, target, 'read the available collations')
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider({ dialect, tablePrefix, schema, mysqlCollation: collation }, () =>
      sqliteLock?.markFailed(),
    ),
    ...migrationTables(tablePrefix),
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  // SQLite: Kysely creates its migration tables before taking the lock, and a WAL read that turns
  // into a write answers SQLITE_BUSY at once instead of waiting on busy_timeout. So when several
  // processes open one new file together the losers retry, and then find the winner's migrations
  // recorded. Without our lock (an app's own SQLite Kysely) any failure is retried a few times.
  let outcome = await migrator.migrateToLatest()
  for (let attempt = 1; dialect === 'sqlite' && outcome.error && attempt < 20; attempt++) {
    if (sqliteLock && !isSqliteBusy(outcome.error)) break
    if (!sqliteLock && !isSqliteBusy(outcome.error) && attempt >= 3) break
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30))
    outcome = await migrator.migrateToLatest()
  }
  if (outcome.error) {
    const failed = outcome.results?.find((r) => r.status === 'Error')?.migrationName
    const error = toStoreError(
      outcome.error,
      target,
      failed ? `run migration ${failed}` : 'prepare the migration tables',
    )
    throw error instanceof StoreError ? error : new StoreError(error.message, { cause: outcome.error })
  }
  return [...(outcome.results ?? [])]
}
