import { ValidationError } from '../../errors.js'
import { decodeCursor, type KeyCursor, keyPosition, pageFrom } from '../cursor.js'
import type { ListKeysQuery, Page, StoredKey } from '../types.js'
import { storeFailure } from './client.js'
import type { RedisContext } from './context.js'
import { scoredMembers } from './replies.js'

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ValidationError('limit must be a positive integer', { field: 'limit' })
}

/**
 * listKeys for Redis: ids from the sorted set of all keys or of one owner, newest first, then
 * their records. Entries whose pointer is gone (expired or deleted) are dropped from the set.
 */
export function redisListKeys(ctx: RedisContext, readRecord: (hash: string) => Promise<StoredKey | null>) {
  const { keys } = ctx

  /** Ids after `position`, newest first, with their scores; `exhausted` when the set has no more. */
  async function idsAfter(
    set: string,
    position: KeyCursor | null,
    count: number,
  ): Promise<{ ids: KeyCursor[]; exhausted: boolean }> {
    const client = await ctx.client()
    const range = async (max: string | number, min: string | number, ...limit: Array<string | number>) => {
      const reply = await client.call('ZREVRANGEBYSCORE', set, max, min, 'WITHSCORES', ...limit)
      return scoredMembers(reply, 'ZREVRANGEBYSCORE').map(
        ({ member, score }): KeyCursor => ({ id: member, createdAt: score }),
      )
    }
    if (position === null) {
      const ids = await range('+inf', '-inf', 'LIMIT', 0, count)
      return { ids, exhausted: ids.length < count }
    }
    const score = position.createdAt
    const [ties, older] = await Promise.all([
      range(score, score),
      range(`(${score}`, '-inf', 'LIMIT', 0, count),
    ])
    const sameMs = ties.filter((entry) => entry.id < position.id)
    return { ids: [...sameMs, ...older], exhausted: older.length < count }
  }

  async function listKeys({ ownerId, limit, cursor }: ListKeysQuery): Promise<Page<StoredKey>> {
    assertLimit(limit)
    const set = ownerId === undefined ? keys.all : keys.owner(ownerId)
    let position = cursor ? decodeCursor(cursor) : null
    const found: StoredKey[] = []
    try {
      const client = await ctx.client()
      while (found.length <= limit) {
        const { ids, exhausted } = await idsAfter(set, position, limit + 1 - found.length)
        if (ids.length === 0) break
        const hashes = (await Promise.all(
          ids.map(({ id }) => client.call('GET', keys.pointer(id))),
        )) as Array<string | null>
        const records = await Promise.all(hashes.map((hash) => (hash === null ? null : readRecord(hash))))
        for (const [i, entry] of ids.entries()) {
          const record = records[i]
          if (record && record.id === entry.id && (ownerId === undefined || record.ownerId === ownerId)) {
            found.push(record)
          } else if (hashes[i] === null) {
            // Expired or deleted: its pointer is gone, so no create is in progress for it.
            await client.call('ZREM', set, entry.id)
          }
        }
        position = ids[ids.length - 1] as KeyCursor
        if (exhausted) break
      }
    } catch (error) {
      throw storeFailure('list keys', error)
    }
    return pageFrom(found, limit, keyPosition)
  }

  return listKeys
}
