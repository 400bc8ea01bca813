import type { StoredKey } from './types.js'

/** A key's state at an instant: revoked wins over expired, as in verification. */
export type KeyState = 'active' | 'revoked' | 'expired'

export const KEY_STATES: readonly KeyState[] = ['active', 'revoked', 'expired']

/** What KeyStore.searchKeys takes: every filter checked by the engine already. */
export interface SearchKeysQuery {
  /**
   * A case-insensitive substring of the name, or a prefix of the id or of `start`
   * (trimmed, non-empty; undefined matches every key).
   */
  query?: string | undefined
  ownerId?: string | undefined
  state?: KeyState | undefined
  /** Keys to skip (newest first). */
  offset: number
  limit: number
  /** The instant `state` is judged at (the warden's clock). */
  now: Date
}

/** One page of a search and how many keys match in all. */
export interface SearchPage<T> {
  items: T[]
  total: number
}

export function keyStateAt(key: Pick<StoredKey, 'revokedAt' | 'expiresAt'>, now: number): KeyState {
  if (key.revokedAt) return 'revoked'
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'expired'
  return 'active'
}

/** True when `key` matches every filter of the search (what the SQL and memory stores compute). */
export function keyMatches(key: StoredKey, search: Omit<SearchKeysQuery, 'offset' | 'limit'>): boolean {
  if (search.ownerId !== undefined && key.ownerId !== search.ownerId) return false
  if (search.state !== undefined && keyStateAt(key, search.now.getTime()) !== search.state) return false
  const { query } = search
  if (query === undefined) return true
  return (
    key.name.toLowerCase().includes(query.toLowerCase()) ||
    key.id.startsWith(query) ||
    key.start.startsWith(query)
  )
}

/** Newest first by (createdAt, id), the order of listKeys. */
export function newestFirst(a: StoredKey, b: StoredKey): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
}
