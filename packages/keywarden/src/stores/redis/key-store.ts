import { LRUCache } from 'lru-cache'
import { ConflictError, StoreError, ValidationError } from '../../errors.js'
import { decodeCursor, encodeCursor, type KeyCursor } from '../cursor.js'
import { assertKeyDates } from '../dates.js'
import type { KeyPatch, KeyStore, ListKeysQuery, Page, StoredKey, TouchEntry } from '../types.js'
import { type RedisClientLike, storeFailure } from './client.js'
import { bodyOf, decodeRecord, encodeKey, encodeKeyBody, encodeLastUsed, idPrefix } from './codec.js'
import type { RedisContext } from './context.js'
import { redisGroups } from './groups.js'
import { scoredMembers } from './replies.js'
import { redisRollKey } from './roll.js'
import { deleteIfEqual, deleteRecord, touchRecord, updateRecord } from './scripts.js'

const MAX_CAS_ATTEMPTS = 50

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date) && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

function assertKey(key: StoredKey): void {
  if (typeof key !== 'object' || key === null) throw new ValidationError('key must be a StoredKey object')
  if (typeof key.id !== 'string' || key.id.length === 0)
    throw new ValidationError('key.id must be a non-empty string', { field: 'id' })
  if (typeof key.hash !== 'string' || key.hash.length === 0)
    throw new ValidationError('key.hash must be a non-empty string', { field: 'hash' })
  if (!(key.createdAt instanceof Date))
    throw new ValidationError('key.createdAt must be a Date', { field: 'createdAt' })
  assertKeyDates(key)
}

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ValidationError('limit must be a positive integer', { field: 'limit' })
}

/**
 * Issued keys in Redis. Write order keeps every intermediate state harmless, also on a cluster
 * where the pointer, the sorted sets and the record sit on different nodes:
 * create = claim the id (SET NX) -> add to the sorted sets -> create the record (Lua, unique on
 * hash). A key can be verified only once its record exists, and by then it can be found by id
 * and listed. A failure in between leaves at most a pointer or set entry without a record, which
 * reads skip. Delete runs in reverse: the record first, so a deleted key stops verifying at once.
 */
export function redisKeyStore(
  ctx: RedisContext,
): Omit<KeyStore, 'close'> & Required<Pick<KeyStore, 'rollKey'>> {
  const { keys, ttlFor, hashById, tagById } = ctx
  const groups = redisGroups(ctx)

  /**
   * Decoded records by hash, reused while Redis returns the very same string: the string is the
   * whole record, so equal strings are equal records. Saves the JSON parse on the verify path, and
   * the frozen object lets the engine reuse its result for it, as with the memory store.
   */
  const decoded = new LRUCache<string, { value: string; key: StoredKey; tag: string | null }>({
    max: 10_000,
  })

  /** The key of a record; a key of a limit group with its group's balance (one more read). */
  function found(value: string | null, hash: string): StoredKey | null | Promise<StoredKey> {
    if (value === null) return null
    let entry = decoded.get(hash)
    if (entry === undefined || entry.value !== value) {
      const { key, tag } = decodeRecord(value)
      entry = { value, key: deepFreeze(key), tag }
      decoded.set(hash, entry)
      if (!hashById.has(key.id)) hashById.set(key.id, hash)
      if (tag !== null) tagById.set(key.id, tag)
    }
    return entry.tag === null ? entry.key : groups.withCredits(entry.key, entry.tag)
  }

  function readRecord(hash: string): Promise<StoredKey | null> {
    const read = (client: RedisClientLike) =>
      (client.call('GET', keys.record(hash)) as Promise<string | null>).then((value) => found(value, hash))
    const client = ctx.client()
    return client instanceof Promise ? client.then(read) : read(client)
  }

  const readFailed = (error: unknown): never => {
    throw storeFailure('read a key by hash', error)
  }

  /** The hot path: one GET, and one promise when the client is connected. */
  function getKeyByHash(hash: string): Promise<StoredKey | null> {
    const client = ctx.client()
    if (client instanceof Promise) return readRecord(hash).catch(readFailed)
    return (client.call('GET', keys.record(hash)) as Promise<string | null>).then(
      (value) => found(value, hash),
      readFailed,
    )
  }

  async function hashOf(id: string): Promise<string | null> {
    const client = await ctx.client()
    return (await client.call('GET', keys.pointer(id))) as string | null
  }

  /** Creates the record; with `tag`, as a key of that limit group (roll.ts joins it to the group). */
  async function insert(key: StoredKey, tag?: string): Promise<void> {
    assertKey(key)
    const client = await ctx.client()
    const ttl = ttlFor(key.expiresAt)
    const claim = ttl === '' ? [] : ['PX', ttl]
    const claimed = await client.call('SET', keys.pointer(key.id), key.hash, 'NX', ...claim)
    if (claimed === null) throw new ConflictError(`a key with id "${key.id}" exists already`)
    const score = key.createdAt.getTime()
    await Promise.all([
      client.call('ZADD', keys.all, score, key.id),
      key.ownerId === null ? null : client.call('ZADD', keys.owner(key.ownerId), score, key.id),
    ])
    const created = await client.call('SET', keys.record(key.hash), encodeKey(key, tag), 'NX', ...claim)
    if (created === null) {
      // Lost the race on the hash: give back the id we claimed.
      await Promise.all([
        client.call('ZREM', keys.all, key.id),
        key.ownerId === null ? null : client.call('ZREM', keys.owner(key.ownerId), key.id),
        deleteIfEqual.run(client, [keys.pointer(key.id)], [key.hash]),
      ])
      throw new ConflictError('a key with the same hash exists already')
    }
    hashById.set(key.id, key.hash)
    if (tag !== undefined) tagById.set(key.id, tag)
  }

  async function getKeyById(id: string): Promise<StoredKey | null> {
    const hash = await hashOf(id)
    if (hash === null) return null
    const key = await readRecord(hash)
    return key && key.id === id ? key : null
  }

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
    const items = found.slice(0, limit)
    const last = items[items.length - 1]
    const nextCursor =
      found.length > limit && last ? encodeCursor({ createdAt: last.createdAt.getTime(), id: last.id }) : null
    return { items, nextCursor }
  }

  async function updateKey(id: string, patch: KeyPatch): Promise<StoredKey | null> {
    if (typeof patch !== 'object' || patch === null) throw new ValidationError('patch must be an object')
    assertKeyDates(patch)
    return patchKey(id, patch)
  }

  /** updateKey, also for the limit-group fields a roll sets. */
  async function patchKey(id: string, patch: Partial<StoredKey>): Promise<StoredKey | null> {
    const hash = await hashOf(id)
    if (hash === null) return null
    const client = await ctx.client()
    const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const value = (await client.call('GET', keys.record(hash))) as string | null
      if (value === null) return null
      const { key: current, tag } = decodeRecord(value)
      if (current.id !== id) return null
      const next = { ...current, ...changes } as StoredKey
      const ttl = 'expiresAt' in changes ? ttlFor(next.expiresAt) : 'keep'
      const result = await updateRecord.run(
        client,
        [keys.record(hash)],
        [idPrefix(id), bodyOf(value), encodeKeyBody(next, tag ?? undefined), ttl],
      )
      if (result === -1) return null
      if (result === 0) continue
      const pointer = keys.pointer(id)
      await Promise.all([
        ttl === 'keep'
          ? null
          : ttl === ''
            ? client.call('PERSIST', pointer)
            : client.call('PEXPIRE', pointer, ttl),
        current.ownerId !== next.ownerId && current.ownerId !== null
          ? client.call('ZREM', keys.owner(current.ownerId), id)
          : null,
        current.ownerId !== next.ownerId && next.ownerId !== null
          ? client.call('ZADD', keys.owner(next.ownerId), next.createdAt.getTime(), id)
          : null,
        tag === null ? null : groups.setCredits(tag, patch),
        tag === null || ttl === 'keep' ? null : groups.extend(tag, ttl),
      ])
      return tag === null ? next : groups.withCredits(next, tag)
    }
    throw new StoreError(`key "${id}" changed ${MAX_CAS_ATTEMPTS} times while updating it; try again`)
  }

  async function deleteKey(id: string): Promise<boolean> {
    const hash = await hashOf(id)
    if (hash === null) return false
    const client = await ctx.client()
    const value = (await deleteRecord.run(client, [keys.record(hash), keys.windows(hash)], [idPrefix(id)])) as
      | string
      | null
    const record = value === null ? null : decodeRecord(value)
    const ownerId = record?.key.ownerId ?? null
    await Promise.all([
      client.call('ZREM', keys.all, id),
      ownerId === null ? null : client.call('ZREM', keys.owner(ownerId), id),
      deleteIfEqual.run(client, [keys.pointer(id)], [hash]),
    ])
    if (record?.tag) await groups.leave(id, record.tag)
    hashById.delete(id)
    tagById.delete(id)
    decoded.delete(hash)
    return value !== null
  }

  /** Every touch is sent at once on the connection: one round trip when the hashes are known. */
  async function touchKeys(entries: TouchEntry[]): Promise<void> {
    if (!Array.isArray(entries)) throw new ValidationError('entries must be an array of { id, lastUsedAt }')
    if (entries.length === 0) return
    const client = await ctx.client()
    const touch = (list: Array<{ entry: TouchEntry; hash: string }>) =>
      Promise.all(
        list.map(({ entry, hash }) =>
          touchRecord.run(
            client,
            [keys.record(hash)],
            [idPrefix(entry.id), encodeLastUsed(new Date(entry.lastUsedAt))],
          ),
        ),
      )
    const known: Array<{ entry: TouchEntry; hash: string }> = []
    const unknown: TouchEntry[] = []
    for (const entry of entries) {
      const hash = hashById.get(entry.id)
      if (hash === undefined) unknown.push(entry)
      else known.push({ entry, hash })
    }
    const resolve = async (list: TouchEntry[]) => {
      const hashes = (await Promise.all(list.map((e) => client.call('GET', keys.pointer(e.id))))) as Array<
        string | null
      >
      return list.flatMap((entry, i) => {
        const hash = hashes[i]
        return hash === null || hash === undefined ? [] : [{ entry, hash }]
      })
    }
    const [results, resolved] = await Promise.all([touch(known), resolve(unknown)])
    // A remembered hash that missed: the id was deleted (or reused); look it up again.
    const missed = known.filter((_, i) => results[i] === 0).map(({ entry }) => entry)
    for (const entry of missed) hashById.delete(entry.id)
    const retry = missed.length > 0 ? await resolve(missed) : []
    await touch([...resolved, ...retry])
    for (const { entry, hash } of resolved) hashById.set(entry.id, hash)
  }

  const guard =
    <A extends unknown[], R>(action: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args)
      } catch (error) {
        throw storeFailure(action, error)
      }
    }

  return {
    createKey: guard('create a key', (key: StoredKey) => insert(key)),
    rollKey: guard('roll a key', redisRollKey(ctx, { insert, patchKey, deleteKey, hashOf })),
    getKeyByHash,
    getKeyById: guard('read a key by id', getKeyById),
    listKeys,
    updateKey: guard('update a key', updateKey),
    deleteKey: guard('delete a key', deleteKey),
    touchKeys: guard('write last-used times', touchKeys),
  }
}
