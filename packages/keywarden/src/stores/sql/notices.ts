/**
 * Notice claims in SQL (migration 0007_notices): one row per claim, the id its primary key, so a
 * claim is an INSERT that only one caller in any process can win.
 */
import { assertClaim, type NoticeStore } from '../notice-types.js'
import { dialectNamed } from './dialects/index.js'
import type { SqlDialect } from './dialects/types.js'
import type { Lifecycle } from './lifecycle.js'
import type { SchemaContext, Statement } from './migrations.js'

export function noticesTableName(tablePrefix: string): string {
  return `${tablePrefix}notices`
}

/** 0007_notices: the claims table (expires_at is kept for pruning; keywarden never reads it). */
export function noticesMigration(ctx: SchemaContext): Statement[] {
  const t = dialectNamed(ctx.dialect).types
  const schema = ctx.schema ? ctx.db.schema.withSchema(ctx.schema) : ctx.db.schema
  return [
    schema
      .createTable(noticesTableName(ctx.tablePrefix))
      .addColumn('id', t.text(200), (c) => c.notNull().primaryKey())
      .addColumn('value', t.text(200), (c) => c.notNull())
      .addColumn('claimed_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .modifyEnd(t.tableEnd(ctx.mysqlCollation)),
  ]
}

/** The NoticeStore part of sqlStore. */
export function noticeMethods({ guarded }: Lifecycle, table: string, dialect: SqlDialect): NoticeStore {
  return {
    async claimNotice(id, options = {}) {
      assertClaim(id, options)
      const at = Date.now()
      const row = {
        id,
        value: options.value ?? '',
        claimed_at: at,
        expires_at: options.ttlMs === undefined ? null : at + options.ttlMs,
      }
      return guarded('claim a notice', async ({ q }) => {
        try {
          await q.insertInto(table).values(row).execute()
          return true
        } catch (error) {
          if (dialect.isUniqueViolation(error)) return false
          throw error
        }
      })
    },

    async readNotice(id) {
      assertClaim(id)
      return guarded('read a notice', async ({ q }) => {
        const row = await q.selectFrom(table).select('value').where('id', '=', id).executeTakeFirst()
        return row ? String(row.value) : null
      })
    },
  }
}
