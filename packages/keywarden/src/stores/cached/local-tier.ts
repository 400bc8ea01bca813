import { LRUCache } from 'lru-cache'
import { deepFreeze } from '../freeze.js'
import type { StoredKey } from '../types.js'

/** One cached lookup by hash: the key, or null for "not found". Times in epoch ms. */
export interface LocalEntry {
  key: StoredKey | null
  freshUntil: number
  staleUntil: number
}

export interface LocalTier {
  get(hash: string): LocalEntry | undefined
  set(hash: string, entry: LocalEntry): void
  /** Drops the entry of this hash and whatever entry holds this id. */
  drop(id: string | undefined, hash: string | undefined): void
  hashOf(id: string): string | undefined
  /** Replaces a cached key in place (last-used updates), keeping its times. */
  replace(hash: string, key: StoredKey): void
  clear(): void
}

/**
 * The in-process tier: an LRU by hash plus an id -> hash index so writes by id can drop entries.
 * Cached keys are frozen: they are shared by every caller, and the engine reuses its verify result
 * for a frozen record instead of building a new one per request.
 */
export function localTier(max: number): LocalTier {
  const hashById = new Map<string, string>()
  const lru = new LRUCache<string, LocalEntry>({
    max,
    dispose(entry, hash) {
      if (entry.key && hashById.get(entry.key.id) === hash) hashById.delete(entry.key.id)
    },
  })
  return {
    get: (hash) => lru.get(hash),
    set(hash, entry) {
      deepFreeze(entry.key)
      lru.set(hash, entry)
      if (entry.key) hashById.set(entry.key.id, hash)
    },
    drop(id, hash) {
      if (hash !== undefined) lru.delete(hash)
      if (id !== undefined) {
        const indexed = hashById.get(id)
        if (indexed !== undefined) lru.delete(indexed)
      }
    },
    hashOf: (id) => hashById.get(id),
    replace(hash, key) {
      const entry = lru.peek(hash)
      if (entry?.key && entry.key.id === key.id)
        lru.set(hash, { ...entry, key: deepFreeze(key) }, { noDisposeOnSet: true })
    },
    clear() {
      lru.clear()
      hashById.clear()
    },
  }
}
