import { expect } from 'vitest'
import type { AuditEntry } from '../events/types.js'
import type { AuditQuery, AuditStore } from '../stores/audit-types.js'

/** Every page of a listing, following nextCursor. */
export async function listAll(store: AuditStore, query: Omit<AuditQuery, 'limit'>, limit = 1000) {
  const items: AuditEntry[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page = await store.listAudit({ ...query, limit, cursor })
    expect(page.items.length).toBeLessThanOrEqual(limit)
    items.push(...page.items)
    cursor = page.nextCursor
    pages++
  } while (cursor && pages < 10_000)
  return items
}
