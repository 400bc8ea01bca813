import { type Kysely, type MigrationResult, Migrator } from 'kysely'
import { StoreError } from '../../errors.js'
import type { SqlDialect, Target } from './dialects/types.js'
import { toStoreError } from './errors.js'
import { migrationProvider, migrationTables } from './migrations.js'

export interface MigrateContext {
  db: Kysely<any>
  dialect: SqlDialect
  tablePrefix: string
  schema: string | undefined
  target: Target
  /** The store's own cross-process lock, when it holds one (told when a migration fails). */
  migrationLock?: { markFailed(): void } | undefined
}

/**
 * Runs pending migrations under the engine's lock (pg advisory lock, MySQL GET_LOCK, SQLite
 * BEGIN IMMEDIATE). Returns one result per migration run; an empty list when nothing was pending.
 */
export async function runMigrations(ctx: MigrateContext): Promise<MigrationResult[]> {
  const { db, dialect, tablePrefix, schema, target, migrationLock } = ctx
  let collation: string
  try {
    collation = await dialect.migrationCollation(db)
  } catch (error) {
    throw toStoreError(error, target, 'read the available collations')
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider(
      { dialect: dialect.name, tablePrefix, schema, mysqlCollation: collation },
      () => migrationLock?.markFailed(),
    ),
    ...migrationTables(tablePrefix),
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  let outcome = await migrator.migrateToLatest()
  for (
    let attempt = 1;
    outcome.error && dialect.retryMigration(outcome.error, attempt, !!migrationLock);
    attempt++
  ) {
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
