import { ValidationError } from '../errors.js'
import { groupOf } from '../stores/limit-group.js'
import type { KeyPatch, KeyStore, RolledKeys, StoredKey } from '../stores/types.js'
import { MAX_PERIOD_MS } from './limits.js'
import { newStoredKey, settingsOf } from './record.js'

/** Roll: the grace bounds, the successor record, and the store step (atomic, or compensated). */

const FIELD = 'expireOldInMs'

/** `expireOldInMs` as milliseconds: a non-negative integer of at most a year (366 days). */
export function validateGrace(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${FIELD} must be a non-negative integer of milliseconds`, { field: FIELD })
  }
  if (value > MAX_PERIOD_MS) {
    throw new ValidationError(`${FIELD} must be at most ${MAX_PERIOD_MS} (366 days)`, { field: FIELD })
  }
  return value
}

/** The end of the grace, refused when it would come after the old key's own expiry. */
export function graceEnd(grace: number, old: StoredKey, at: Date): Date {
  const end = at.getTime() + grace
  if (old.expiresAt && end > old.expiresAt.getTime()) {
    const left = old.expiresAt.getTime() - at.getTime()
    throw new ValidationError(
      `${FIELD} must be at most ${left}: the old key expires then, and a grace never extends a key`,
      { field: FIELD },
    )
  }
  return new Date(end)
}

/**
 * The new key of a roll: the old key's settings, and the old key's limit group (its own id when it
 * was never rolled), so both spend one balance and one set of counters.
 */
export function successorOf(
  old: StoredKey,
  at: Date,
  fresh: Pick<StoredKey, 'id' | 'hash' | 'prefix' | 'start'>,
): StoredKey {
  return {
    ...newStoredKey(settingsOf(old), { ...fresh, at, lastRefillAt: old.lastRefillAt }),
    ...groupOf(old),
  }
}

/**
 * The store's atomic rollKey; for a store without it, create then update, deleting the new key
 * when the update fails. Such a store has no limit groups, so the new key gets its own limits.
 */
export async function rollInStore(
  store: KeyStore,
  next: StoredKey,
  oldId: string,
  patch: KeyPatch,
): Promise<RolledKeys | null> {
  if (store.rollKey) return store.rollKey(next, oldId, patch)
  const created: StoredKey = { ...next, limitId: null, limitCreatedAt: null }
  await store.createKey(created)
  let previous: StoredKey | null
  try {
    previous = await store.updateKey(oldId, patch)
  } catch (error) {
    await store.deleteKey(created.id).catch(() => {})
    throw error
  }
  if (!previous) {
    await store.deleteKey(created.id).catch(() => {})
    return null
  }
  return { previous, created }
}
