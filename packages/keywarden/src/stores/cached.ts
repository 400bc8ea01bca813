import { ConfigError, StoreError } from '../errors.js'
import { type InvalidationBus, invalidationBus } from './cached/invalidation.js'
import { type LocalEntry, localTier } from './cached/local-tier.js'
import { type CachedStoreOptions, resolveCachedOptions } from './cached/options.js'
import { rateLimitedReporter } from './cached/report.js'
import { guardSharedTier, type SharedTier } from './cached/shared-tier.js'
import { changeWatcher } from './cached/watch.js'
import { counterId } from './limit-group.js'
import { within } from './redis/bounded.js'
import type { KeyCacheTier } from './redis/cache-tier.js'
import type { ConsumeOutcome, ConsumeRequest, KeyPatch, KeyStore, StoredKey, TouchEntry } from './types.js'

export type { InvalidationOptions } from './cached/invalidation.js'
export type { CachedStoreOptions } from './cached/options.js'
export type { WatchOptions } from './cached/watch.js'
export type { KeyCacheTier } from './redis/cache-tier.js'

export type CachedStore = KeyStore & {
  /** Resolves once cross-instance invalidation is subscribed (at once without it). */
  ready(): Promise<void>
}

/**
 * A KeyStore in front of another: lookups by hash go in-process LRU -> shared tier -> primary.
 * Writes go to the primary and invalidate every tier (and, with `invalidation`, every instance)
 * before they return. See docs/stores.md for the guarantees and the failure policy.
 */
export function cachedStore(options: CachedStoreOptions): CachedStore {
  const {
    primary,
    cache,
    max,
    ttlMs,
    staleMs,
    negativeTtlMs,
    invalidation,
    watch,
    commandTimeoutMs,
    onError,
    clock,
  } = resolveCachedOptions(options)
  const report = rateLimitedReporter(onError)
  const local = localTier(max)
  const shared: SharedTier | null = cache
    ? guardSharedTier(cache, { ttlMs, timeoutMs: commandTimeoutMs }, report, clock)
    : null
  /** Reads in flight, one per hash (single-flight). */
  const loads = new Map<string, { promise: Promise<StoredKey | null>; token: object }>()
  /** Reads an invalidation overtook: their result is returned to who waits, but cached nowhere. */
  const overtaken = new WeakSet<object>()
  const background = new Set<Promise<unknown>>()

  /** Drops the cached copy, and detaches a read in flight so later callers start a fresh one. */
  function overtake(hash: string): void {
    const load = loads.get(hash)
    if (load === undefined) return
    overtaken.add(load.token)
    loads.delete(hash)
  }
  const drop = (id: string | undefined, hash: string | undefined) => {
    if (hash === undefined) for (const inFlight of [...loads.keys()]) overtake(inFlight)
    else overtake(hash)
    local.drop(id, hash)
  }
  const dropAll = () => {
    for (const inFlight of [...loads.keys()]) overtake(inFlight)
    local.clear()
  }
  const bus: InvalidationBus | null = invalidation
    ? invalidationBus(invalidation, {
        onInvalidate: drop,
        onResubscribed: dropAll,
        report,
        timeoutMs: commandTimeoutMs,
      })
    : null
  const watcher = watch ? changeWatcher(watch, { onChange: dropAll, report }) : null

  const track = (promise: Promise<unknown>) => {
    background.add(promise)
    void promise.finally(() => background.delete(promise))
  }

  function remember(hash: string, key: StoredKey | null, at: number): void {
    const entry: LocalEntry = key
      ? { key, freshUntil: at + ttlMs, staleUntil: at + ttlMs + staleMs }
      : { key: null, freshUntil: at + negativeTtlMs, staleUntil: at + negativeTtlMs }
    local.set(hash, entry)
    // From the first entry on: before it there is nothing to drop (and no store to poll yet).
    watcher?.start()
  }

  async function read(hash: string, token: object): Promise<StoredKey | null> {
    let generation: string | undefined
    if (shared) {
      const hit = await shared.lookup(hash)
      if (hit?.key && hit.key.hash === hash) {
        if (!overtaken.has(token)) remember(hash, hit.key, clock())
        return hit.key
      }
      generation = hit?.generation
    }
    let key: StoredKey | null
    try {
      key = await primary.getKeyByHash(hash)
    } catch (error) {
      throw new StoreError(
        'the primary store failed to look up a key and no cached entry is recent enough to serve; failing closed',
        { cause: error },
      )
    }
    if (!overtaken.has(token)) {
      remember(hash, key, clock())
      if (key && shared && generation !== undefined) track(shared.fill(key, generation))
    }
    return key
  }

  /** One read per hash at a time: concurrent misses share it. */
  function load(hash: string): Promise<StoredKey | null> {
    const current = loads.get(hash)
    if (current !== undefined) return current.promise
    const token = {}
    const promise = read(hash, token).finally(() => {
      if (loads.get(hash)?.token === token) loads.delete(hash)
    })
    loads.set(hash, { promise, token })
    return promise
  }

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

  /**
   * Usage limits, exact across instances: never counted in this process. Rate-limit counts live in
   * the shared tier when it has counters (one Lua script; no primary write for keys without
   * credits), else in the primary; credits always in the primary. A request the tier admitted and
   * the primary then refused for credits gets its counts back, so it counts against no limit.
   */
  async function consumeKey(id: string, request: ConsumeRequest): Promise<ConsumeOutcome> {
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

  return {
    async getKeyByHash(hash) {
      const entry = local.get(hash)
      if (entry !== undefined) {
        const at = clock()
        if (at < entry.freshUntil) return entry.key
        if (at < entry.staleUntil) {
          if (!loads.has(hash)) track(load(hash).catch(report))
          return entry.key
        }
      }
      return load(hash)
    },

    /** The warm path: a fresh local entry, synchronously (verify then skips a promise round trip). */
    peekKeyByHash(hash) {
      const entry = local.get(hash)
      return entry !== undefined && clock() < entry.freshUntil ? entry.key : undefined
    },

    getKeyById: (id) => primary.getKeyById(id),
    listKeys: (query) => primary.listKeys(query),

    async createKey(key) {
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

    async deleteKey(id) {
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

    // Only over a primary with counters: createKeywarden then refuses limits up front.
    ...(primary.consumeKey ? { consumeKey } : {}),

    ready: () => bus?.ready ?? Promise.resolve(),

    async close() {
      await Promise.allSettled([...background])
      await Promise.all([bus?.close(), watcher?.close()])
      await Promise.allSettled([primary.close(), shared?.close()])
    },
  }
}
