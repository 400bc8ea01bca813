import { ConflictError, StoreError, ValidationError } from '../../errors.js'
import { assertKeyDates } from '../dates.js'
import type { KeyPatch, KeyStore, StoredKey } from '../types.js'
import { type RedisClientLike, storeFailure } from './client.js'
import { bodyOf, decodeRecord, encodeKey, encodeKeyBody, idPrefix } from './codec.js'
import { redisConsumeByHash } from './consume-by-hash.js'
import type { RedisContext } from './context.js'
import { redisGroups } from './groups.js'
import { redisListKeys } from './list.js'
import { redisRecords } from './records.js'
import { redisRollKey } from './roll.js'
import { deleteIfEqual, deleteRecord, updateRecord } from './scripts.js'
import { redisTouchKeys } from './touch.js'

const MAX_CAS_ATTEMPTS = 50

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
): Omit<KeyStore, 'close'> & Required<Pick<KeyStore, 'rollKey' | 'consumeByHash'>> {
  const { keys, ttlFor, hashById, tagById } = ctx
  const groups = redisGroups(ctx)

  const records = redisRecords(ctx, groups)
  const { found } = records

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
    records.forget(hash)
    return value !== null
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
    consumeByHash: redisConsumeByHash(ctx, records),
    getKeyById: guard('read a key by id', getKeyById),
    listKeys: redisListKeys(ctx, readRecord),
    updateKey: guard('update a key', updateKey),
    deleteKey: guard('delete a key', deleteKey),
    touchKeys: guard('write last-used times', redisTouchKeys(ctx)),
  }
}
