import { LRUCache } from 'lru-cache'
import { deepFreeze } from '../freeze.js'
import type { StoredKey } from '../types.js'
import { decodeRecord, JSON_AT } from './codec.js'
import type { RedisContext } from './context.js'
import type { RedisGroups } from './groups.js'

/** A decoded record: a key of a limit group shows no balance here (`tag` names its group). */
export interface RecordEntry {
  readonly value: string
  readonly key: StoredKey
  readonly tag: string | null
  /** For a key of a limit group: the key with the group's balance, as last read (plans look at it). */
  shown?: StoredKey
  /** The record's JSON (every field but lastUsedAt and the credits); set on first use. */
  json?: string
}

/** The record's JSON: what consume-by-hash.ts checks a plan's copy by. */
export function jsonOf(entry: RecordEntry): string {
  entry.json ??= entry.value.slice(JSON_AT)
  return entry.json
}

/**
 * Decoded records by hash, reused while Redis returns the very same string: the string is the
 * whole record, so equal strings are equal records. Saves the JSON parse on the verify path, and
 * the frozen object lets the engine reuse its result for it, as with the memory store.
 */
export function redisRecords(ctx: RedisContext, groups: RedisGroups) {
  const { hashById, tagById } = ctx
  const decoded = new LRUCache<string, RecordEntry>({ max: 10_000 })

  /** The entry of a record read just now under `hash`. */
  function remember(value: string, hash: string): RecordEntry {
    let entry = decoded.get(hash)
    if (entry === undefined || entry.value !== value) {
      const { key, tag } = decodeRecord(value)
      entry = { value, key: deepFreeze(key), tag }
      decoded.set(hash, entry)
      if (!hashById.has(key.id)) hashById.set(key.id, hash)
      if (tag !== null) tagById.set(key.id, tag)
    }
    return entry
  }

  /** The key of a record; a key of a limit group with its group's balance (one more read). */
  function found(value: string | null, hash: string): StoredKey | null | Promise<StoredKey> {
    if (value === null) return null
    const entry = remember(value, hash)
    if (entry.tag === null) return entry.key
    const grouped = entry
    return groups.withCredits(entry.key, entry.tag).then((key) => {
      grouped.shown = key
      return key
    })
  }

  return {
    found,
    remember,
    /** The last record read under `hash`, if this process still holds it. */
    last: (hash: string) => decoded.get(hash),
    forget: (hash: string) => decoded.delete(hash),
  }
}

export type RedisRecords = ReturnType<typeof redisRecords>
