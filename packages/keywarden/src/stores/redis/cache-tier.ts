import { ValidationError } from '../../errors.js'
import type { ConsumeOutcome, ConsumeRequest, StoredKey } from '../types.js'
import { storeFailure } from './client.js'
import { decodeKey, encodeKey, encodeLastUsed, idPrefix } from './codec.js'
import type { RedisContext } from './context.js'
import { cacheFill, cacheForget, touchRecord } from './scripts.js'
import { redisWindows } from './windows.js'

/** A cached read: the key (or null) and the generation to hand back to `fillCachedKey`. */
export interface CachedLookup {
  key: StoredKey | null
  generation: string
}

/**
 * The shared tier cachedStore puts between its in-process LRU and the primary. A redisStore
 * implements it (use a namespace of its own for the cache). Entries expire after the fill's TTL.
 */
export interface KeyCacheTier {
  lookupCachedKey(hash: string): Promise<CachedLookup>
  /** Stores the key unless the hash was invalidated since `generation` was read. */
  fillCachedKey(key: StoredKey, generation: string, ttlMs: number): Promise<boolean>
  /** Drops the hash's entry and bumps its generation, so in-flight fills of older reads are refused. */
  forgetCachedKey(hash: string): Promise<void>
  /** Updates lastUsedAt of cached entries that are there. */
  touchCachedKeys(entries: Array<{ id: string; hash: string; lastUsedAt: Date }>): Promise<void>
  /**
   * Rate-limit counters shared by every instance, for keys whose credits the primary keeps:
   * checks every rule of the request and, when all admit and cost > 0, counts one against each,
   * atomically (the credits, if any, are left to the primary: the outcome's remaining is null).
   * `counter` is the key's id, or its limit group's (every key of a roll chain shares the counts).
   * Optional: without it cachedStore leaves the counters to the primary.
   */
  countCachedWindows?(counter: string, request: ConsumeRequest): Promise<ConsumeOutcome>
  /** Takes back the counts of an admitted request that the primary then refused for credits. */
  refundCachedWindows?(counter: string, request: ConsumeRequest): Promise<void>
  close(): Promise<void>
}

/** Generations outlive any read in flight by far; after that a missing generation is as good. */
const GENERATION_TTL_MS = 10 * 60_000

export function redisCacheTier(ctx: RedisContext): Omit<KeyCacheTier, 'close'> {
  const { keys } = ctx
  return {
    ...redisWindows(ctx),
    async lookupCachedKey(hash) {
      try {
        const client = await ctx.client()
        // Same hash tag, same slot: one MGET also on a cluster.
        const [value, generation] = (await client.call('MGET', keys.record(hash), keys.generation(hash))) as [
          string | null,
          string | null,
        ]
        return { key: value === null ? null : decodeKey(value), generation: generation ?? '' }
      } catch (error) {
        throw storeFailure('read the cache tier', error)
      }
    },

    async fillCachedKey(key, generation, ttlMs) {
      if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0))
        throw new ValidationError('ttlMs must be a positive integer', { field: 'ttlMs' })
      try {
        const client = await ctx.client()
        const filled = await cacheFill.run(
          client,
          [keys.record(key.hash), keys.generation(key.hash)],
          [generation, encodeKey(key), ttlMs],
        )
        return filled === 1
      } catch (error) {
        throw storeFailure('fill the cache tier', error)
      }
    },

    async forgetCachedKey(hash) {
      try {
        const client = await ctx.client()
        await cacheForget.run(client, [keys.record(hash), keys.generation(hash)], [GENERATION_TTL_MS])
      } catch (error) {
        throw storeFailure('invalidate the cache tier', error)
      }
    },

    async touchCachedKeys(entries) {
      if (entries.length === 0) return
      try {
        const client = await ctx.client()
        await Promise.all(
          entries.map(({ id, hash, lastUsedAt }) =>
            touchRecord.run(client, [keys.record(hash)], [idPrefix(id), encodeLastUsed(lastUsedAt)]),
          ),
        )
      } catch (error) {
        throw storeFailure('touch the cache tier', error)
      }
    },
  }
}
