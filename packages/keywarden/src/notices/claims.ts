import { memoryNotices } from '../stores/memory-notices.js'
import { NOTICE_STORE_METHODS, type NoticeStore } from '../stores/notice-types.js'
import { hasMethods } from '../stores/types.js'

/**
 * The store's claims when it keeps them (once across every instance sharing it); otherwise claims
 * in this process only, so notices fire once per process.
 */
export function claimsOf(store: unknown): { claims: NoticeStore; shared: boolean } {
  if (hasMethods(store, NOTICE_STORE_METHODS)) return { claims: store as NoticeStore, shared: true }
  return { claims: memoryNotices(), shared: false }
}

export const DAY_MS = 86_400_000
