import { serialFlush } from '../serial-flush.js'
import type { KeyStore } from '../stores/types.js'

export interface LastUsedOptions {
  /** How often pending last-used times are written, in one batched call. Default 10 s. */
  flushIntervalMs?: number
}

export interface LastUsedTracker {
  /** `at` in epoch milliseconds. */
  record(id: string, at: number): void
  flush(): Promise<void>
  close(): Promise<void>
}

/**
 * Write-behind last-used tracking: verify only records into a map; a timer writes the map in one
 * `touchKeys` call per interval, so a key costs at most one store write per interval.
 */
export function createLastUsedTracker(
  store: KeyStore,
  { flushIntervalMs = 10_000 }: LastUsedOptions,
  onError: (error: unknown) => void,
): LastUsedTracker {
  let pending = new Map<string, number>()
  const timer = setInterval(() => {
    flush().catch(onError)
  }, flushIntervalMs)
  timer.unref()

  async function write(): Promise<void> {
    if (pending.size === 0) return
    const batch = pending
    pending = new Map()
    try {
      await store.touchKeys([...batch].map(([id, at]) => ({ id, lastUsedAt: new Date(at) })))
    } catch (error) {
      // Keep what failed for the next flush unless a newer time came in meanwhile.
      for (const [id, at] of batch) if (!pending.has(id)) pending.set(id, at)
      throw error
    }
  }

  const flush = serialFlush(write)

  return {
    record(id, at) {
      pending.set(id, at)
    },
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}

export function createNoopTracker(): LastUsedTracker {
  return { record() {}, async flush() {}, async close() {} }
}
