import { LRUCache } from 'lru-cache'
import type { RedisClientLike } from './client.js'
import type { Layout } from './layout.js'

/** What the key, secret and cache-tier parts of one redisStore share. */
export interface RedisContext {
  /** The client, connected (a URL store connects on first use). */
  client(): RedisClientLike | Promise<RedisClientLike>
  keys: Layout
  /** Redis TTL in ms for a record expiring at `expiresAt`, or '' for none. */
  ttlFor(expiresAt: Date | null): string
  /**
   * id -> hash, learned from reads and writes. The pair never changes for a record, so touches
   * can go straight to the record; a stale pair (id deleted and reused) is detected and re-read.
   */
  hashById: LRUCache<string, string>
  /** id -> tag of its limit group, for keys in one (it never changes once set). */
  tagById: LRUCache<string, string>
}

export function createHashById(): LRUCache<string, string> {
  return new LRUCache<string, string>({ max: 10_000 })
}
