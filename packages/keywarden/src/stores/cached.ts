import type { AuditStore } from './audit-types.js'
import { cachedConsume } from './cached/consume.js'
import { type InvalidationBus, invalidationBus } from './cached/invalidation.js'
import { localTier } from './cached/local-tier.js'
import { type CachedStoreOptions, resolveCachedOptions } from './cached/options.js'
import { cachedReads } from './cached/reads.js'
import { rateLimitedReporter } from './cached/report.js'
import { guardSharedTier, type SharedTier } from './cached/shared-tier.js'
import { changeWatcher } from './cached/watch.js'
import { delegatedWebhooks } from './cached/webhooks.js'
import { cachedWrites } from './cached/writes.js'
import { NOTICE_STORE_METHODS, type NoticeStore } from './notice-types.js'
import type { KeyStore } from './types.js'
import { hasMethods } from './types.js'
import { type UsageStore, usageOf } from './usage-types.js'

export type { InvalidationOptions } from './cached/invalidation.js'
export type { CachedStoreOptions } from './cached/options.js'
export type { WatchOptions } from './cached/watch.js'
export type { KeyCacheTier } from './redis/cache-tier.js'

/** Usage counts and the audit log (when the primary keeps them) go straight to the primary. */
export type CachedStore = KeyStore &
  Partial<UsageStore> &
  Partial<AuditStore> &
  Partial<NoticeStore> & {
    /** Resolves once cross-instance invalidation is subscribed (at once without it). */
    ready(): Promise<void>
  }

/** The primary's audit log, when it keeps one (the warden's hub finds it on the cached store). */
function delegatedAudit(primary: KeyStore): Partial<AuditStore> {
  const audit = primary as KeyStore & Partial<AuditStore>
  if (typeof audit.appendAudit !== 'function' || typeof audit.listAudit !== 'function') return {}
  return {
    appendAudit: (entry) => audit.appendAudit!(entry),
    listAudit: (query) => audit.listAudit!(query),
  }
}

/**
 * A KeyStore in front of another: lookups by hash go in-process LRU -> shared tier -> primary.
 * Writes go to the primary and invalidate every tier (and, with `invalidation`, every instance)
 * before they return. See docs/stores.md for the guarantees and the failure policy.
 * @throws ConfigError when the options are invalid (no primary KeyStore, a bad cache tier, TTLs,
 * sizes or invalidation settings). Lookups throw StoreError only when no tier holds the key and
 * the primary fails: verification fails closed.
 * @example
 * import { cachedStore } from 'keywarden/stores/cached'
 * const store = cachedStore({
 *   primary: sqlStore({ url: process.env.DATABASE_URL }),
 *   cache: redisStore({ url: process.env.REDIS_URL, namespace: 'myapp-cache' }),
 *   invalidation: { redis: process.env.REDIS_URL },
 * })
 * await store.ready()
 */
export function cachedStore(options: CachedStoreOptions): CachedStore {
  const resolved = resolveCachedOptions(options)
  const { primary, cache, max, ttlMs, invalidation, watch, commandTimeoutMs, clock } = resolved
  const report = rateLimitedReporter(resolved.onError)
  const local = localTier(max)
  const shared: SharedTier | null = cache
    ? guardSharedTier(cache, { ttlMs, timeoutMs: commandTimeoutMs }, report, clock)
    : null
  const background = new Set<Promise<unknown>>()
  const track = (promise: Promise<unknown>) => {
    background.add(promise)
    void promise.finally(() => background.delete(promise))
  }

  // Polls from the first cached entry on: before it there is nothing to drop (and no store to poll yet).
  let watcher: ReturnType<typeof changeWatcher> | null = null
  const { drop, dropAll, getKeyByHash, peekKeyByHash } = cachedReads({
    ...resolved,
    local,
    shared,
    report,
    track,
    onRemember: () => watcher?.start(),
  })
  watcher = watch ? changeWatcher(watch, { onChange: dropAll, report }) : null
  const bus: InvalidationBus | null = invalidation
    ? invalidationBus(invalidation, {
        onInvalidate: drop,
        onResubscribed: dropAll,
        report,
        timeoutMs: commandTimeoutMs,
      })
    : null

  return {
    getKeyByHash,
    peekKeyByHash,
    ...delegatedWebhooks(primary),
    getKeyById: (id) => primary.getKeyById(id),
    listKeys: (query) => primary.listKeys(query),
    ...cachedWrites({ primary, local, shared, bus, drop, track }),
    // Searches and the audit log are the primary's: nothing of them is cached.
    ...(primary.searchKeys ? { searchKeys: (query) => primary.searchKeys!(query) } : {}),
    ...delegatedAudit(primary),

    // Only over a primary with counters: createKeywarden then refuses limits up front.
    ...(primary.consumeKey
      ? { consumeKey: cachedConsume({ primary, cache, local, commandTimeoutMs, report }) }
      : {}),

    ...usageOf(primary),
    // Claims go straight to the primary: only it is shared by every instance.
    ...(hasMethods(primary, NOTICE_STORE_METHODS)
      ? {
          claimNotice: (id, options) => (primary as unknown as NoticeStore).claimNotice(id, options),
          readNotice: (id) => (primary as unknown as NoticeStore).readNotice(id),
        }
      : {}),

    ready: () => bus?.ready ?? Promise.resolve(),

    async close() {
      await Promise.allSettled([...background])
      await Promise.all([bus?.close(), watcher?.close()])
      await Promise.allSettled([primary.close(), shared?.close()])
    },
  }
}
