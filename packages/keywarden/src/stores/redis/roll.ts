import { assertKeyDates } from '../dates.js'
import { groupOf } from '../limit-group.js'
import type { KeyPatch, RolledKeys, StoredKey } from '../types.js'
import { decodeCredits, decodeRecord, GROUPED, idPrefix } from './codec.js'
import type { RedisContext } from './context.js'
import { joinGroup } from './scripts.js'

interface KeyStoreParts {
  insert(key: StoredKey, tag?: string): Promise<void>
  patchKey(id: string, patch: Partial<StoredKey>): Promise<StoredKey | null>
  deleteKey(id: string): Promise<boolean>
  hashOf(id: string): Promise<string | null>
}

/**
 * rollKey for Redis. The new record, the group and the old record sit on three slots of a cluster,
 * so no one script can write them all: the new key is created first (it cannot verify before its
 * plaintext is returned), then it joins the group (one script; the first roll moves the first
 * key's balance into the group atomically with that key's spends), then the old record is
 * patched (compare-and-set). When a later step fails the new key is deleted again, and the old
 * key keeps its fields and its balance (a first key stays the only member of its group).
 */
export function redisRollKey(ctx: RedisContext, parts: KeyStoreParts) {
  const { keys, ttlFor } = ctx
  return async function rollKey(key: StoredKey, oldId: string, patch: KeyPatch): Promise<RolledKeys | null> {
    assertKeyDates(key)
    assertKeyDates(patch)
    const oldHash = await parts.hashOf(oldId)
    if (oldHash === null) return null
    const client = await ctx.client()
    const value = (await client.call('GET', keys.record(oldHash))) as string | null
    if (value === null) return null
    const { key: old, tag: oldTag } = decodeRecord(value)
    if (old.id !== oldId) return null
    const tag = oldTag ?? oldHash
    const group = groupOf(old)
    const created: StoredKey = { ...key, ...group }
    await parts.insert(created, tag)
    try {
      const credits = (await joinGroup.run(
        client,
        [keys.group(tag), keys.record(tag)],
        [ttlFor(created.expiresAt), idPrefix(group.limitId), group.limitId, created.id, GROUPED],
      )) as string | null
      const previous = credits === null ? null : await parts.patchKey(oldId, { ...patch, ...group })
      if (credits === null || previous === null) {
        await parts.deleteKey(created.id)
        return null
      }
      return { previous, created: Object.freeze({ ...created, ...decodeCredits(credits) }) }
    } catch (error) {
      await parts.deleteKey(created.id).catch(() => {})
      throw error
    }
  }
}
