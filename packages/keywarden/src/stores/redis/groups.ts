import type { KeyPatch, StoredKey } from '../types.js'
import { storeFailure } from './client.js'
import { decodeCredits, encodeLastRefill, encodeRemaining } from './codec.js'
import type { RedisContext } from './context.js'
import { extendGroup, leaveGroup, setGroupCredits } from './scripts.js'

/**
 * Limit groups in Redis (layout.ts): a group is a HASH on its first key's slot holding the
 * group's balance (`c`) and its members (`m:<id>`); its counts are the first key's windows. A key
 * of a group keeps GROUPED credit fields in its record and shows the group's balance.
 */
export function redisGroups(ctx: RedisContext) {
  const { keys } = ctx

  /** The key with its group's balance (none when the group is gone). */
  async function withCredits(key: StoredKey, tag: string): Promise<StoredKey> {
    try {
      const client = await ctx.client()
      const text = (await client.call('HGET', keys.group(tag), 'c')) as string | null
      const credits = text === null ? { remaining: null, lastRefillAt: null } : decodeCredits(text)
      return Object.freeze({ ...key, ...credits })
    } catch (error) {
      throw storeFailure("read a key's limit group", error)
    }
  }

  /** A patch's remaining and/or lastRefillAt, written to the group's balance. */
  async function setCredits(tag: string, patch: Partial<KeyPatch>): Promise<void> {
    if (patch.remaining === undefined && patch.lastRefillAt === undefined) return
    const client = await ctx.client()
    await setGroupCredits.run(
      client,
      [keys.group(tag)],
      [
        patch.remaining === undefined ? '' : encodeRemaining(patch.remaining),
        patch.lastRefillAt === undefined ? '' : encodeLastRefill(patch.lastRefillAt),
      ],
    )
  }

  /** Keeps the group at least as long as a member's record (ttl as RedisContext.ttlFor gives it). */
  async function extend(tag: string, ttl: string): Promise<void> {
    const client = await ctx.client()
    await extendGroup.run(client, [keys.group(tag)], [ttl])
  }

  /**
   * A deleted key leaves its group. Members whose keys are gone (deleted, or expired by their
   * TTL) leave with it; the last one out deletes the group and its counts.
   */
  async function leave(id: string, tag: string): Promise<void> {
    const client = await ctx.client()
    const run = (ids: string[]) =>
      leaveGroup.run(client, [keys.group(tag), keys.windows(tag)], ids) as Promise<string[]>
    const left = await run([id])
    if (left.length === 0) return
    const alive = await Promise.all(left.map((member) => client.call('EXISTS', keys.pointer(member))))
    const gone = left.filter((_, i) => Number(alive[i]) === 0)
    if (gone.length > 0) await run(gone)
  }

  return { withCredits, setCredits, extend, leave }
}

export type RedisGroups = ReturnType<typeof redisGroups>
