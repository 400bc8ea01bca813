import type { KeyPatch, KeyStore, StoredKey, TouchEntry } from '../types.js'
import type { InvalidationBus } from './invalidation.js'
import type { LocalTier } from './local-tier.js'
import type { SharedTier } from './shared-tier.js'

interface WriteDeps {
  primary: KeyStore
  local: LocalTier
  shared: SharedTier | null
  bus: InvalidationBus | null
  /** Drops this instance's copy and overtakes reads in flight (cachedReads.drop). */
  drop: (id: string | undefined, hash: string | undefined) => void
  /** Keeps a background promise for close() to wait on. */
  track: (promise: Promise<unknown>) => void
}

/** Writes go to the primary and invalidate every tier (and every instance) before they return. */
export function cachedWrites({ primary, local, shared, bus, drop, track }: WriteDeps) {
  async function invalidate(id: string, hash: string | undefined): Promise<void> {
    drop(id, hash)
    // The tier first, then the message: an instance that drops its copy on the message and reads
    // the tier again must not find the old entry there.
    const forgotten = hash === undefined || !shared || (await shared.forget(hash))
    if (!bus) return
    // A tier that did not answer is likely the bus's Redis too: the write then returns without
    // waiting a second timeout, and the message goes out when it can.
    if (forgotten) await bus.publish(id, hash)
    else track(bus.publish(id, hash))
  }

  return {
    async createKey(key: StoredKey) {
      await primary.createKey(key)
      // Drops a remembered "not found" for this hash here and on every instance.
      await invalidate(key.id, key.hash)
    },

    async updateKey(id: string, patch: KeyPatch) {
      const updated = await primary.updateKey(id, patch)
      await invalidate(id, updated?.hash ?? local.hashOf(id))
      return updated
    },

    // Only over a primary that rolls atomically: the engine then creates and updates itself.
    ...(primary.rollKey
      ? {
          async rollKey(key: StoredKey, oldId: string, patch: KeyPatch) {
            const rolled = await (primary.rollKey as NonNullable<KeyStore['rollKey']>)(key, oldId, patch)
            await invalidate(key.id, key.hash)
            if (rolled) await invalidate(oldId, rolled.previous.hash)
            return rolled
          },
        }
      : {}),

    async deleteKey(id: string) {
      const hash = local.hashOf(id) ?? (await primary.getKeyById(id))?.hash
      const deleted = await primary.deleteKey(id)
      await invalidate(id, hash)
      return deleted
    },

    async touchKeys(entries: TouchEntry[]) {
      await primary.touchKeys(entries)
      // Last-used is not worth a cache miss: cached copies are updated in place instead.
      const known: Array<{ id: string; hash: string; lastUsedAt: Date }> = []
      for (const { id, lastUsedAt } of entries) {
        const hash = local.hashOf(id)
        if (hash === undefined) continue
        const cached = local.get(hash)?.key
        if (cached) local.replace(hash, { ...cached, lastUsedAt: new Date(lastUsedAt) })
        known.push({ id, hash, lastUsedAt: new Date(lastUsedAt) })
      }
      if (shared) await shared.touch(known)
    },
  }
}
