import { dialectNamed } from './dialects/index.js'
import type { SchemaContext, Statement } from './migrations.js'

export function webhookTables(tablePrefix: string) {
  return {
    webhooks: `${tablePrefix}webhooks`,
    deliveries: `${tablePrefix}webhook_deliveries`,
    attempts: `${tablePrefix}webhook_attempts`,
  }
}

/**
 * Webhook endpoints, the outbox (one row per event and endpoint, leased by lease_owner until
 * lease_until while a worker attempts it) and the delivery log (one row per attempt).
 */
export function webhooksMigration(ctx: SchemaContext): Statement[] {
  const { webhooks, deliveries, attempts } = webhookTables(ctx.tablePrefix)
  const p = ctx.tablePrefix
  const t = dialectNamed(ctx.dialect).types
  const schema = ctx.schema ? ctx.db.schema.withSchema(ctx.schema) : ctx.db.schema
  const end = t.tableEnd(ctx.mysqlCollation)
  return [
    schema
      .createTable(webhooks)
      .addColumn('id', t.text(128), (c) => c.notNull().primaryKey())
      .addColumn('url', t.text(2048), (c) => c.notNull())
      .addColumn('description', t.text(500))
      .addColumn('events', t.json, (c) => c.notNull())
      .addColumn('secret_ciphertext', t.text(1024), (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .modifyEnd(end),
    schema.createIndex(`${p}webhooks_created_idx`).on(webhooks).columns(['created_at', 'id']),
    schema
      .createTable(deliveries)
      .addColumn('id', t.text(128), (c) => c.notNull().primaryKey())
      .addColumn('endpoint_id', t.text(128), (c) => c.notNull())
      .addColumn('event_id', t.text(128), (c) => c.notNull())
      .addColumn('event_type', t.text(64), (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('status', t.text(16), (c) => c.notNull())
      .addColumn('attempts', 'bigint', (c) => c.notNull())
      .addColumn('retry', 'bigint', (c) => c.notNull())
      .addColumn('next_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_owner', t.text(64))
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .modifyEnd(end),
    schema.createIndex(`${p}webhook_deliveries_due_idx`).on(deliveries).columns(['status', 'next_at']),
    schema.createIndex(`${p}webhook_deliveries_endpoint_idx`).on(deliveries).column('endpoint_id'),
    schema
      .createTable(attempts)
      .addColumn('id', t.text(128), (c) => c.notNull().primaryKey())
      .addColumn('delivery_id', t.text(128), (c) => c.notNull())
      .addColumn('endpoint_id', t.text(128), (c) => c.notNull())
      .addColumn('event_id', t.text(128), (c) => c.notNull())
      .addColumn('event_type', t.text(64), (c) => c.notNull())
      .addColumn('attempt', 'bigint', (c) => c.notNull())
      .addColumn('response_status', 'bigint')
      .addColumn('ok', t.flag, (c) => c.notNull())
      .addColumn('error', t.text(500))
      .addColumn('duration_ms', 'bigint', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .modifyEnd(end),
    schema.createIndex(`${p}webhook_attempts_endpoint_idx`).on(attempts).columns(['endpoint_id', 'at', 'id']),
  ]
}
