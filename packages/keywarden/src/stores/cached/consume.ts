import { ConfigError } from '../../errors.js'
import { counterId } from '../limit-group.js'
import { within } from '../redis/bounded.js'
import type { KeyCacheTier } from '../redis/cache-tier.js'
import type { ConsumeOutcome, ConsumeRequest, KeyStore } from '../types.js'
import type { LocalTier } from './local-tier.js'

interface ConsumeDeps {
  primary: KeyStore
  cache: KeyCacheTier | undefined
  local: LocalTier
  commandTimeoutMs: number
  report: (error: unknown) => void
}

/**
 * Usage limits, exact across instances: never counted in this process. Rate-limit counts live in
 * the shared tier when it has counters (one Lua script; no primary write for keys without
 * credits), else in the primary; credits always in the primary. A request the tier admitted and
 * the primary then refused for credits gets its counts back, so it counts against no limit.
 */
export function cachedConsume({ primary, cache, local, commandTimeoutMs, report }: ConsumeDeps) {
  /**
   * After a spend, this instance's copy shows the new balance (no cache miss per request); other
   * instances' copies catch up within their ttlMs. verify's own `remaining` is always exact.
   */
  function showCredits(id: string, remaining: number | null, request: ConsumeRequest): void {
    const hash = local.hashOf(id)
    const cached = hash === undefined ? undefined : local.get(hash)?.key
    if (hash === undefined || !cached || cached.id !== id || cached.remaining === remaining) return
    const lastRefillAt = request.refill ? new Date(request.refill.at) : cached.lastRefillAt
    local.replace(hash, { ...cached, remaining, lastRefillAt })
  }

  return async function consumeKey(id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
    const spend = primary.consumeKey
    const tier = cache?.countCachedWindows && request.rateLimits.length > 0 ? cache : null
    if (!tier) {
      if (!spend)
        throw new ConfigError('the primary store has no consumeKey, so keys on it cannot carry limits')
      const outcome = await spend(id, request)
      if (outcome.status === 'ok') showCredits(id, outcome.remaining, request)
      return outcome
    }
    const hash = local.hashOf(id)
    const localCopy = hash === undefined ? undefined : local.get(hash)?.key
    const cached = localCopy?.id === id ? localCopy : ((await primary.getKeyById(id)) ?? undefined)
    if (cached === undefined) return { status: 'not_found' }
    // Counted under the key's id, or its limit group's: every key of a roll chain shares the counts.
    const counter = counterId(cached)
    const count = tier.countCachedWindows as NonNullable<KeyCacheTier['countCachedWindows']>
    const windows = await within(count(counter, request), commandTimeoutMs, 'a rate-limit count')
    if (windows.status !== 'ok') return windows
    // A key known (from a copy no older than ttlMs) to have no credits needs nothing more — unless
    // it is in a limit group, whose balance another key of the group may have changed.
    if (cached === localCopy && cached.remaining === null && !cached.limitId) return windows
    if (!spend)
      throw new ConfigError('the primary store has no consumeKey, so keys on it cannot carry credits')
    const counted = request.cost > 0
    const giveBack = () =>
      counted
        ? within(
            tier.refundCachedWindows?.(counter, request) ?? Promise.resolve(),
            commandTimeoutMs,
            'a refund',
          ).catch(report)
        : undefined
    let credits: ConsumeOutcome
    try {
      credits = await spend(id, { ...request, rateLimits: [] })
    } catch (error) {
      await giveBack()
      throw error
    }
    if (credits.status === 'ok') {
      showCredits(id, credits.remaining, request)
      return { status: 'ok', remaining: credits.remaining, limits: windows.limits }
    }
    await giveBack()
    if (credits.status !== 'usage_exceeded') return credits
    // As decideConsume reports a refusal: each limit's state before this request.
    const limits = counted
      ? windows.limits.map((s) => ({ ...s, remaining: s.remaining + 1 }))
      : windows.limits
    return { status: 'usage_exceeded', remaining: credits.remaining, limits }
  }
}
