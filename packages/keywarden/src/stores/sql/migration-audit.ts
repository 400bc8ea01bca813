import { dialectNamed } from './dialects/index.js'
import type { SchemaContext, Statement } from './migrations.js'

/**
 * 0005_audit: the append-only audit log, one row per entry. Times are BIGINT epoch ms and the
 * JSON columns (fields, detail) TEXT, as in the keys table. Every listing is newest first by
 * (at, id), so each filter has an index ending in those two columns.
 */
export function auditLog(ctx: SchemaContext): Statement[] {
  const p = ctx.tablePrefix
  const table = `${p}audit`
  const t = dialectNamed(ctx.dialect).types
  const schema = ctx.schema ? ctx.db.schema.withSchema(ctx.schema) : ctx.db.schema
  const index = (name: string, columns: string[]) =>
    schema.createIndex(`${p}audit_${name}_idx`).on(table).columns(columns)
  return [
    schema
      .createTable(table)
      .addColumn('id', t.text(128), (c) => c.notNull().primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('action', t.text(64), (c) => c.notNull())
      .addColumn('actor_type', t.text(16), (c) => c.notNull())
      .addColumn('actor_id', t.text(256))
      .addColumn('actor_address', t.text(255))
      .addColumn('target_type', t.text(16), (c) => c.notNull())
      .addColumn('target_id', t.text(512), (c) => c.notNull())
      .addColumn('owner_id', t.text(256))
      .addColumn('request_id', t.text(200))
      .addColumn('fields', t.json)
      .addColumn('detail', t.json)
      .modifyEnd(t.tableEnd(ctx.mysqlCollation)),
    index('at', ['at', 'id']),
    index('target', ['target_id', 'at', 'id']),
    index('actor', ['actor_id', 'at', 'id']),
    index('owner', ['owner_id', 'at', 'id']),
    index('action', ['action', 'at', 'id']),
  ]
}
