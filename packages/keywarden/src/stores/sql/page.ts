import type { SelectQueryBuilder } from 'kysely'
import type { KeyCursor } from '../cursor.js'

/**
 * Rows past the cursor, newest first by (time column, id), `limit + 1` of them (pageFrom makes
 * the page): the one paged read of keys, audit entries and webhook logs.
 */
export function newestFirst<QB extends SelectQueryBuilder<any, any, any>>(
  select: QB,
  time: string,
  after: KeyCursor | null,
  limit: number,
): QB {
  let query = select as SelectQueryBuilder<any, any, any>
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb(time, '<', after.createdAt),
        eb.and([eb(time, '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    )
  }
  return query
    .orderBy(time, 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1) as QB
}
