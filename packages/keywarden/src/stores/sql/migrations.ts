import type { Compilable, Kysely, Migration, MigrationProvider } from 'kysely'
import { ConfigError } from '../../errors.js'
import { dialectNamed, findDialect } from './dialects/index.js'
import type { ColumnTypes } from './dialects/types.js'
import { auditLog } from './migration-audit.js'
import { noticesMigration } from './notices.js'
import { resolveOptions, type SqlDialectName } from './options.js'
import { usageTable } from './usage-migration.js'
import { webhooksMigration } from './webhook-migration.js'

export interface SchemaContext {
  /** A Kysely without plugins, bound to the connection the migration runs on. */
  db: Kysely<any>
  dialect: SqlDialectName
  tablePrefix: string
  schema: string | undefined
  /** MySQL/MariaDB: a binary, no-pad utf8mb4 collation, so ids and owners compare byte for byte. */
  mysqlCollation: string
}

export type Statement = Compilable & { execute(): Promise<unknown> }

export interface SqlMigration {
  /** Sorted by name; never rename one that has shipped. */
  name: string
  statements(ctx: SchemaContext): Statement[]
}

/** Column types per engine (dialects/*.ts): times as BIGINT epoch ms, text compared byte for byte. */
function types(dialect: SqlDialectName): ColumnTypes & { epoch: 'bigint' } {
  return { ...dialectNamed(dialect).types, epoch: 'bigint' }
}

export function tableNames(tablePrefix: string) {
  return {
    keys: `${tablePrefix}keys`,
    secrets: `${tablePrefix}secrets`,
    rateWindows: `${tablePrefix}rate_windows`,
    audit: `${tablePrefix}audit`,
    usage: `${tablePrefix}usage`,
  }
}

function schemaBuilder(ctx: SchemaContext) {
  return ctx.schema ? ctx.db.schema.withSchema(ctx.schema) : ctx.db.schema
}

function tableEndFor(ctx: SchemaContext) {
  return types(ctx.dialect).tableEnd(ctx.mysqlCollation)
}

function keysAndSecrets(ctx: SchemaContext): Statement[] {
  const { keys, secrets } = tableNames(ctx.tablePrefix)
  const p = ctx.tablePrefix
  const t = types(ctx.dialect)
  const schema = schemaBuilder(ctx)
  const tableEnd = tableEndFor(ctx)
  const statements: Statement[] = []
  statements.push(
    schema
      .createTable(keys)
      .addColumn('id', t.text(128), (c) => c.notNull().primaryKey())
      .addColumn('hash', t.text(128), (c) => c.notNull())
      .addColumn('name', t.text(255), (c) => c.notNull())
      .addColumn('owner_id', t.text(256))
      .addColumn('prefix', t.text(64), (c) => c.notNull())
      .addColumn('start', t.text(128), (c) => c.notNull())
      .addColumn('scopes', t.json, (c) => c.notNull())
      .addColumn('metadata', t.json, (c) => c.notNull())
      .addColumn('created_at', t.epoch, (c) => c.notNull())
      .addColumn('updated_at', t.epoch, (c) => c.notNull())
      .addColumn('expires_at', t.epoch)
      .addColumn('revoked_at', t.epoch)
      .addColumn('last_used_at', t.epoch)
      .addColumn('remaining', t.epoch)
      .addColumn('refill', t.json)
      .addColumn('rate_limits', t.json, (c) => c.notNull())
      .addColumn('legacy', t.flag, (c) => c.notNull().defaultTo(0))
      .addColumn('last_refill_at', t.epoch)
      .addUniqueConstraint(`${p}keys_hash_key`, ['hash'])
      .modifyEnd(tableEnd),
    schema.createIndex(`${p}keys_owner_created_idx`).on(keys).columns(['owner_id', 'created_at', 'id']),
    schema.createIndex(`${p}keys_created_idx`).on(keys).columns(['created_at', 'id']),
    schema
      .createTable(secrets)
      .addColumn('scope', t.text(255), (c) => c.notNull())
      .addColumn('provider', t.text(100), (c) => c.notNull())
      .addColumn('ciphertext', t.json, (c) => c.notNull())
      .addColumn('key_id', t.text(64), (c) => c.notNull())
      .addColumn('fingerprint', t.text(64), (c) => c.notNull())
      .addColumn('masked', t.text(255), (c) => c.notNull())
      .addColumn('created_at', t.epoch, (c) => c.notNull())
      .addColumn('updated_at', t.epoch, (c) => c.notNull())
      .addColumn('expires_at', t.epoch)
      .addPrimaryKeyConstraint(`${p}secrets_pkey`, ['scope', 'provider'])
      .modifyEnd(tableEnd),
    schema.createIndex(`${p}secrets_expires_idx`).on(secrets).column('expires_at'),
  )
  return statements
}

/**
 * Rate-limit counters: one row per key, rule name and fixed window (epoch ms of its start).
 * consumeKey reads a key's rows under the key's row lock, so the counts need no locking of their own.
 */
function rateWindows(ctx: SchemaContext): Statement[] {
  const { rateWindows } = tableNames(ctx.tablePrefix)
  const t = types(ctx.dialect)
  return [
    schemaBuilder(ctx)
      .createTable(rateWindows)
      .addColumn('key_id', t.text(128), (c) => c.notNull())
      .addColumn('name', t.text(64), (c) => c.notNull())
      .addColumn('window_start', t.epoch, (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${ctx.tablePrefix}rate_windows_pkey`, ['key_id', 'name', 'window_start'])
      .modifyEnd(tableEndFor(ctx)),
  ]
}

/**
 * Limit groups (StoredKey.limitId): the keys of one roll chain carry the group's id, and share its
 * balance (written to every member row in one transaction) and its rate_windows rows (key_id = the
 * group id). The index serves the member-row locks of consumeKey. One column per statement: SQLite
 * adds one at a time.
 */
function limitGroups(ctx: SchemaContext): Statement[] {
  const { keys } = tableNames(ctx.tablePrefix)
  const t = types(ctx.dialect)
  const schema = schemaBuilder(ctx)
  return [
    schema.alterTable(keys).addColumn('limit_id', t.text(128)),
    schema.alterTable(keys).addColumn('limit_created_at', t.epoch),
    schema.createIndex(`${ctx.tablePrefix}keys_limit_idx`).on(keys).column('limit_id'),
  ]
}

/**
 * Every migration, oldest first. Never edit one that has shipped; append `000N_…` instead.
 */
export const SQL_MIGRATIONS: SqlMigration[] = [
  { name: '0001_keys_and_secrets', statements: keysAndSecrets },
  { name: '0002_rate_windows', statements: rateWindows },
  { name: '0003_limit_groups', statements: limitGroups },
  { name: '0004_usage', statements: usageTable },
  { name: '0005_audit', statements: auditLog },
  { name: '0006_webhooks', statements: webhooksMigration },
  { name: '0007_notices', statements: noticesMigration },
]

export function migrationTables(tablePrefix: string) {
  return {
    migrationTableName: `${tablePrefix}migrations`,
    migrationLockTableName: `${tablePrefix}migrations_lock`,
  }
}

/** A Kysely MigrationProvider over SQL_MIGRATIONS for one store's prefix, schema and dialect. */
export function migrationProvider(
  context: Omit<SchemaContext, 'db'>,
  onFailure: () => void = () => {},
): MigrationProvider {
  return {
    async getMigrations() {
      const migrations: Record<string, Migration> = {}
      for (const migration of SQL_MIGRATIONS) {
        migrations[migration.name] = {
          async up(db) {
            try {
              for (const statement of migration.statements({ ...context, db: db.withoutPlugins() }))
                await statement.execute()
            } catch (error) {
              onFailure()
              throw error
            }
          },
        }
      }
      return migrations
    },
  }
}

export interface PrintSchemaOptions {
  tablePrefix?: string
  /** PostgreSQL only. */
  schema?: string
  /** MySQL/MariaDB table collation. Default utf8mb4_bin (exists on both; the migrator prefers a no-pad one). */
  mysqlCollation?: string
}

/**
 * The DDL of every migration for one engine, for teams that migrate with another tool
 * (then use `migrate: 'manual'`).
 */
export function printSchema(dialect: SqlDialectName, options: PrintSchemaOptions = {}): string {
  const engine = findDialect(dialect)
  if (!engine) throw new ConfigError('printSchema: dialect must be "sqlite", "postgres" or "mysql"')
  const { mysqlCollation = 'utf8mb4_bin', ...rest } = options
  if (!/^[a-z0-9_]+$/.test(mysqlCollation))
    throw new ConfigError('printSchema: mysqlCollation must be a collation name')
  const { tablePrefix, schema } = resolveOptions(rest, false)
  if (schema && !engine.schemas) throw new ConfigError('printSchema: schema applies to postgres only')
  const db = engine.offline()
  const lines: string[] = []
  if (schema) lines.push(`create schema if not exists "${schema}";`)
  for (const migration of SQL_MIGRATIONS) {
    lines.push(`-- ${migration.name}`)
    for (const statement of migration.statements({ db, dialect, tablePrefix, schema, mysqlCollation }))
      lines.push(`${statement.compile().sql};`)
  }
  return `${lines.join('\n')}\n`
}
