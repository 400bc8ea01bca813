/**
 * Credit notices from verification results: key.usage_exceeded once per refill period (once per
 * key without a refill) and key.credits_low when the balance falls to 10% of the refill amount —
 * or, without a refill, of the credits the key was created with (recorded at create as the claim
 * `credits:<id>`). Synchronous for the verify path: the store work runs in the background and its
 * failures go to onError.
 */
import type { EventHub } from '../events/hub.js'
import { latestRefillBoundary } from '../keys/limits.js'
import type { VerifyResult } from '../keys/verify.js'
import type { NoticeStore } from '../stores/notice-types.js'
import type { ApiKeyRecord } from '../stores/types.js'
import { DAY_MS } from './claims.js'

/** The share of the refill amount (or starting credits) at or below which key.credits_low fires. */
export const CREDITS_LOW_RATIO = 0.1
const MAX_REMEMBERED = 10_000
// Claims of a refill period outlive the longest period (a month) with a margin.
const PERIOD_TTL_MS = 40 * DAY_MS

export interface UsageNoticeWiring {
  claims: NoticeStore
  events: EventHub
  now: () => Date
  onError: (error: unknown) => void
}

export interface UsageNotices {
  /** Call once per verification with its result and the credits it asked to spend. */
  observe(result: VerifyResult, cost: number): void
  /** Records the starting credits of a key created with `remaining` and no refill. */
  created(record: ApiKeyRecord): Promise<void>
}

export function createUsageNotices(wiring: UsageNoticeWiring): UsageNotices {
  const { claims, events, now, onError } = wiring
  // id -> starting credits ('' when none recorded), so a balance check reads the store once per key.
  const starts = new Map<string, number | null>()
  // Claims this process has asked for: a key below its threshold asks the store once, not per verification.
  const asked = new Set<string>()

  function period(key: ApiKeyRecord): { tag: string; ttlMs?: number } {
    if (!key.refill) return { tag: 'once' }
    const at = latestRefillBoundary(key.refill, key.createdAt.getTime(), now().getTime())
    return { tag: String(at ?? key.createdAt.getTime()), ttlMs: PERIOD_TTL_MS }
  }

  async function startOf(key: ApiKeyRecord): Promise<number | null> {
    if (key.refill) return key.refill.amount
    if (starts.has(key.id)) return starts.get(key.id) ?? null
    const value = await claims.readNotice(`credits:${key.id}`)
    const start = value ? Number(value) : null
    if (starts.size >= MAX_REMEMBERED) starts.clear()
    starts.set(key.id, Number.isFinite(start) ? start : null)
    return start
  }

  async function notify(
    type: 'key.usage_exceeded' | 'key.credits_low',
    key: ApiKeyRecord,
    detail: Record<string, number>,
  ) {
    const { tag, ttlMs } = period(key)
    const id = `${type.slice(4)}:${key.id}:${tag}`
    if (asked.has(id)) return
    if (asked.size >= MAX_REMEMBERED) asked.clear()
    asked.add(id)
    let claimed: boolean
    try {
      claimed = await claims.claimNotice(id, ttlMs ? { ttlMs } : {})
    } catch (error) {
      asked.delete(id)
      throw error
    }
    if (!claimed) return
    await events.emit({
      type,
      at: now(),
      target: { type: 'key', id: key.id },
      ownerId: key.ownerId,
      detail,
      data: { key },
    })
  }

  async function check(result: VerifyResult, cost: number): Promise<void> {
    if (!result.valid && result.code === 'USAGE_EXCEEDED' && result.key) {
      await notify('key.usage_exceeded', result.key, { remaining: result.remaining ?? 0, cost })
      return
    }
    if (!result.valid || result.remaining === null || cost === 0) return
    const start = await startOf(result.key)
    if (start === null || start <= 0) return
    const threshold = Math.floor(start * CREDITS_LOW_RATIO)
    if (result.remaining <= threshold) {
      await notify('key.credits_low', result.key, { remaining: result.remaining, threshold })
    }
  }

  return {
    observe(result, cost) {
      // Most verifications have nothing to say: skip the promise for them.
      if (result.valid ? result.remaining === null : result.code !== 'USAGE_EXCEEDED') return
      check(result, cost).catch(onError)
    },
    async created(record) {
      if (record.remaining === null || record.refill) return
      await claims.claimNotice(`credits:${record.id}`, { value: String(record.remaining) })
    },
  }
}
