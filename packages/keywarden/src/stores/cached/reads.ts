import { StoreError } from '../../errors.js'
import type { KeyStore, StoredKey } from '../types.js'
import type { LocalEntry, LocalTier } from './local-tier.js'
import type { ResolvedCachedOptions } from './options.js'
import type { SharedTier } from './shared-tier.js'

export interface ReadDeps
  extends Pick<ResolvedCachedOptions, 'ttlMs' | 'staleMs' | 'negativeTtlMs' | 'clock'> {
  primary: KeyStore
  local: LocalTier
  shared: SharedTier | null
  report: (error: unknown) => void
  /** Keeps a background promise for close() to wait on. */
  track: (promise: Promise<unknown>) => void
  /** Called after each entry is cached (starts the change watcher). */
  onRemember?: () => void
}

/**
 * Lookups by hash: in-process LRU -> shared tier -> primary, one read per hash at a time, stale
 * entries served while one background refresh runs. `drop` makes a write visible: it drops the
 * cached copy and detaches reads in flight so nothing they return is cached.
 */
export function cachedReads({
  primary,
  local,
  shared,
  clock,
  ttlMs,
  staleMs,
  negativeTtlMs,
  report,
  track,
  onRemember,
}: ReadDeps) {
  /** Reads in flight, one per hash (single-flight). */
  const loads = new Map<string, { promise: Promise<StoredKey | null>; token: object }>()
  /** Reads an invalidation overtook: their result is returned to who waits, but cached nowhere. */
  const overtaken = new WeakSet<object>()

  /** Detaches a read in flight so later callers start a fresh one. */
  function overtake(hash: string): void {
    const load = loads.get(hash)
    if (load === undefined) return
    overtaken.add(load.token)
    loads.delete(hash)
  }

  function drop(id: string | undefined, hash: string | undefined): void {
    if (hash === undefined) for (const inFlight of [...loads.keys()]) overtake(inFlight)
    else overtake(hash)
    local.drop(id, hash)
  }

  /** Everything cached or in flight is dropped (the invalidation bus may have missed messages). */
  function dropAll(): void {
    for (const inFlight of [...loads.keys()]) overtake(inFlight)
    local.clear()
  }

  function remember(hash: string, key: StoredKey | null, at: number): void {
    const entry: LocalEntry = key
      ? { key, freshUntil: at + ttlMs, staleUntil: at + ttlMs + staleMs }
      : { key: null, freshUntil: at + negativeTtlMs, staleUntil: at + negativeTtlMs }
    local.set(hash, entry)
    onRemember?.()
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

  return {
    drop,
    dropAll,

    async getKeyByHash(hash: string): Promise<StoredKey | null> {
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
    peekKeyByHash(hash: string): StoredKey | null | undefined {
      const entry = local.get(hash)
      return entry !== undefined && clock() < entry.freshUntil ? entry.key : undefined
    },
  }
}
