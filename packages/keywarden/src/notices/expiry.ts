/**
 * Expiry scanning: finds keys 7 days and 1 day before their expiry and just after it, and emits
 * key.expiring / key.expired once per key and expiry date, whichever instance scans first.
 */
import { ValidationError } from '../errors.js'
import type { EventHub } from '../events/hub.js'
import type { EventDetail } from '../events/types.js'
import { toRecord } from '../keys/record.js'
import type { NoticeStore } from '../stores/notice-types.js'
import type { KeyStore, StoredKey } from '../stores/types.js'
import { DAY_MS } from './claims.js'

export interface ExpiryScanOptions {
  /**
   * Keys that expired longer ago than this (ms) get no key.expired: the first scan after an upgrade
   * or a long outage does not flood subscribers. Default 7 days.
   */
  expiredWithinMs?: number
}

/** What one scan emitted (an instance that lost a claim to another counts nothing for it). */
export interface ExpiryScanResult {
  expiring: number
  expired: number
  /** Keys looked at. */
  scanned: number
}

export interface ExpiryWiring {
  store: KeyStore
  claims: NoticeStore
  events: EventHub
  now: () => Date
}

const PAGE = 500

/** The notice a key is due, if any: [event type, claim id, detail]. */
function dueNotice(
  key: StoredKey,
  at: number,
  expiredWithinMs: number,
): { type: 'key.expiring' | 'key.expired'; id: string; detail: EventDetail; ttlMs: number } | null {
  if (!key.expiresAt || key.revokedAt) return null
  const expiresAt = key.expiresAt.getTime()
  const left = expiresAt - at
  const iso = key.expiresAt.toISOString()
  if (left <= 0) {
    if (-left > expiredWithinMs) return null
    return {
      type: 'key.expired' as const,
      id: `expired:${key.id}:${expiresAt}`,
      detail: { expiresAt: iso },
      ttlMs: expiredWithinMs + DAY_MS,
    }
  }
  const days = left <= DAY_MS ? 1 : left <= 7 * DAY_MS ? 7 : 0
  if (days === 0) return null
  return {
    type: 'key.expiring' as const,
    id: `expiring:${days}d:${key.id}:${expiresAt}`,
    detail: { days, expiresAt: iso },
    ttlMs: left + expiredWithinMs + DAY_MS,
  }
}

export function createExpiryScanner(wiring: ExpiryWiring) {
  const { store, claims, events, now } = wiring
  return async function scan(options: ExpiryScanOptions = {}): Promise<ExpiryScanResult> {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('scan options must be an object { expiredWithinMs? }', { field: 'options' })
    }
    const { expiredWithinMs = 7 * DAY_MS } = options
    if (!(Number.isSafeInteger(expiredWithinMs) && expiredWithinMs > 0)) {
      throw new ValidationError('expiredWithinMs must be a positive integer of milliseconds', {
        field: 'expiredWithinMs',
      })
    }
    const result: ExpiryScanResult = { expiring: 0, expired: 0, scanned: 0 }
    const at = now()
    let cursor: string | null = null
    do {
      const page = await store.listKeys({ limit: PAGE, cursor })
      for (const key of page.items) {
        result.scanned++
        const due = dueNotice(key, at.getTime(), expiredWithinMs)
        if (!due || !(await claims.claimNotice(due.id, { ttlMs: due.ttlMs }))) continue
        const record = toRecord(key)
        await events.emit({
          type: due.type,
          at,
          target: { type: 'key', id: key.id },
          ownerId: record.ownerId,
          detail: due.detail,
          data: { key: record },
        })
        if (due.type === 'key.expired') result.expired++
        else result.expiring++
      }
      cursor = page.nextCursor
    } while (cursor)
    return result
  }
}
