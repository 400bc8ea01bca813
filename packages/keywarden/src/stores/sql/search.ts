import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely'
import type { SearchKeysQuery, SearchPage } from '../key-search.js'
import type { StoredKey } from '../types.js'
import type { Lifecycle } from './lifecycle.js'
import { KEY_COLUMNS, keyFromRow } from './rows.js'

/** LIKE with `!` as the escape character: the same text on every engine (MySQL reads `\` in literals). */
export function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`)
}

function conditions(eb: ExpressionBuilder<any, any>, search: SearchKeysQuery): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = []
  if (search.ownerId !== undefined) out.push(eb('owner_id', '=', search.ownerId))
  const now = search.now.getTime()
  if (search.state === 'revoked') out.push(eb('revoked_at', 'is not', null))
  if (search.state === 'expired') {
    out.push(eb('revoked_at', 'is', null), eb('expires_at', '<=', now))
  }
  if (search.state === 'active') {
    out.push(eb('revoked_at', 'is', null), eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
  }
  const { query } = search
  if (query !== undefined) {
    // A prefix compared exactly (substr, not LIKE: SQLite's LIKE ignores case).
    const length = sql.lit([...query].length)
    const prefixOf = (column: string) => sql<SqlBool>`substr(${sql.ref(column)}, 1, ${length}) = ${query}`
    const contains = `%${escapeLike(query.toLowerCase())}%`
    out.push(
      eb.or([
        sql<SqlBool>`lower(${sql.ref('name')}) like ${contains} escape '!'`,
        prefixOf('id'),
        prefixOf('start'),
      ]),
    )
  }
  return out
}

/** sqlStore's searchKeys: one SELECT of the page and one COUNT of every match. */
export function searchMethod({ guarded }: Lifecycle, table: string) {
  return async function searchKeys(search: SearchKeysQuery): Promise<SearchPage<StoredKey>> {
    return guarded('search keys', async ({ q }) => {
      const [rows, counted] = await Promise.all([
        q
          .selectFrom(table)
          .select([...KEY_COLUMNS])
          .where((eb) => eb.and(conditions(eb, search)))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(search.limit)
          .offset(search.offset)
          .execute(),
        q
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where((eb) => eb.and(conditions(eb, search)))
          .executeTakeFirst(),
      ])
      return { items: rows.map(keyFromRow), total: Number(counted?.n ?? 0) }
    })
  }
}
