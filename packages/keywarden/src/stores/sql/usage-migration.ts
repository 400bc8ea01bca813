import { dialectNamed } from './dialects/index.js'
import type { SchemaContext, Statement } from './migrations.js'

/**
 * 0004_usage: usage counts, one row per (space, series, granularity, bucket start, metric). The
 * primary key serves the batched upsert and the sums; the (granularity, at) index serves pruning.
 * Rows hold series ids (key ids, `* owner <id>`, …), times, metric names and counts: no secret.
 */
export function usageTable(ctx: SchemaContext): Statement[] {
  const table = `${ctx.tablePrefix}usage`
  const t = dialectNamed(ctx.dialect).types
  const schema = ctx.schema ? ctx.db.schema.withSchema(ctx.schema) : ctx.db.schema
  return [
    schema
      .createTable(table)
      .addColumn('space', t.text(32), (c) => c.notNull())
      .addColumn('series', t.text(300), (c) => c.notNull())
      .addColumn('granularity', t.text(8), (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('metric', t.text(64), (c) => c.notNull())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${ctx.tablePrefix}usage_pkey`, [
        'space',
        'series',
        'granularity',
        'at',
        'metric',
      ])
      .modifyEnd(t.tableEnd(ctx.mysqlCollation)),
    schema.createIndex(`${ctx.tablePrefix}usage_prune_idx`).on(table).columns(['space', 'granularity', 'at']),
  ]
}
