import { ConflictError } from '../../errors.js'
import type { AuditEntry } from '../../events/types.js'
import { assertAuditEntry, auditMatches, normalizedAuditEntry } from '../audit-entry.js'
import type { AuditQuery, AuditStore } from '../audit-types.js'
import { auditPosition, decodeCursor, pageFrom } from '../cursor.js'
import { type RedisClientLike, storeFailure } from './client.js'
import type { RedisContext } from './context.js'
import type { Layout } from './layout.js'

/** Index members sort like the entries, newest last: `<at as 15 digits>:<id>` (at >= 0, checked on append). */
const member = (at: number, id: string) => `${String(at).padStart(15, '0')}:${id}`

function encode(entry: AuditEntry): string {
  return JSON.stringify({ ...normalizedAuditEntry(entry), at: entry.at.getTime() })
}

function decode(value: string): AuditEntry {
  const raw = JSON.parse(value)
  return { ...raw, at: new Date(raw.at) }
}

/** The one index a query walks: the most selective filter it has. */
function indexOf(keys: Layout, query: AuditQuery): string {
  if (query.targetId !== undefined) return keys.auditIndex('target', query.targetId)
  if (query.actorId !== undefined) return keys.auditIndex('actor', query.actorId)
  if (query.ownerId !== undefined) return keys.auditIndex('owner', query.ownerId)
  if (query.action !== undefined) return keys.auditIndex('action', query.action)
  return keys.auditIndex('all')
}

/**
 * The audit log in Redis: each entry one JSON string on its own slot (SET NX: a duplicate id is a
 * ConflictError), indexed by lexicographic sorted sets whose members sort by (at, id). Every
 * command touches one key, so it runs on a cluster. An append writes the entry, then its index
 * members; when an index write fails the entry is taken back, so an append either lands whole or
 * throws. A listing walks the most selective index and checks the other filters on the entries.
 */
export function redisAudit(ctx: RedisContext): AuditStore {
  const { keys } = ctx

  async function append(entry: AuditEntry): Promise<void> {
    assertAuditEntry(entry)
    const client = await ctx.client()
    const key = keys.auditEntry(entry.id)
    if ((await client.call('SET', key, encode(entry), 'NX')) === null) {
      throw new ConflictError(`an audit entry with id "${entry.id}" exists already`)
    }
    const name = member(entry.at.getTime(), entry.id)
    const indexes = [keys.auditIndex('all'), keys.auditIndex('target', entry.target.id)]
    indexes.push(keys.auditIndex('action', entry.action))
    if (entry.actor.id !== undefined) indexes.push(keys.auditIndex('actor', entry.actor.id))
    if (typeof entry.ownerId === 'string') indexes.push(keys.auditIndex('owner', entry.ownerId))
    try {
      await Promise.all(indexes.map((index) => client.call('ZADD', index, 0, name)))
    } catch (error) {
      await Promise.allSettled([
        client.call('DEL', key),
        ...indexes.map((index) => client.call('ZREM', index, name)),
      ])
      throw error
    }
  }

  async function page(
    client: RedisClientLike,
    index: string,
    max: string,
    min: string,
    count: number,
  ): Promise<string[]> {
    return (await client.call('ZREVRANGEBYLEX', index, max, min, 'LIMIT', 0, count)) as string[]
  }

  async function list(query: AuditQuery) {
    const after = query.cursor ? decodeCursor(query.cursor) : null
    const client = await ctx.client()
    const index = indexOf(keys, query)
    const bounds = [
      query.to === undefined ? null : `(${member(query.to.getTime(), '').slice(0, -1)}`,
      after === null ? null : `(${member(after.createdAt, after.id)}`,
    ].filter((b): b is string => b !== null)
    let max = bounds.sort()[0] ?? '+'
    const min = query.from === undefined ? '-' : `[${member(query.from.getTime(), '').slice(0, -1)}`
    const found: AuditEntry[] = []
    const want = query.limit + 1
    for (;;) {
      const count = Math.max(want - found.length, 16)
      const names = await page(client, index, max, min, count)
      if (names.length === 0) break
      const values = (await Promise.all(
        names.map((name) => client.call('GET', keys.auditEntry(name.slice(16)))),
      )) as Array<string | null>
      for (const value of values) {
        if (value === null) continue
        const entry = decode(value)
        if (auditMatches(entry, query)) found.push(entry)
      }
      max = `(${names[names.length - 1]}`
      if (found.length >= want || names.length < count) break
    }
    return pageFrom(found, query.limit, auditPosition)
  }

  return {
    async appendAudit(entry) {
      try {
        await append(entry)
      } catch (error) {
        throw storeFailure('append an audit entry', error)
      }
    },
    async listAudit(query) {
      try {
        return await list(query)
      } catch (error) {
        throw storeFailure('list the audit log', error)
      }
    },
  }
}
