import type { StoredKey } from './types.js'

/**
 * Limit groups (see StoredKey.limitId): the keys of one roll chain share one credit balance and
 * one set of rate-limit counters. A group is named after its first key, so that key's counters
 * keep their place when it joins the group at its first roll.
 */

/** The group a successor of `old` joins: old's group, or a new one named after old. */
export function groupOf(old: StoredKey): { limitId: string; limitCreatedAt: Date } {
  return { limitId: old.limitId ?? old.id, limitCreatedAt: old.limitCreatedAt ?? old.createdAt }
}

/** The id a key's rate-limit counters are kept under: its group's, or its own. */
export function counterId(key: Pick<StoredKey, 'id' | 'limitId'>): string {
  return key.limitId ?? key.id
}
