import { ConfigError } from '../../errors.js'

export const DEFAULT_WATCH_INTERVAL_MS = 25

export interface WatchOptions {
  /**
   * Reads a marker of the primary that changes whenever something other than this store writes
   * to it: on SQLite, `() => sql.dataVersion()`. Compared with `Object.is`.
   */
  version: () => unknown
  /** How often it is read, in ms. Default 25. */
  intervalMs?: number
}

export interface ChangeWatcher {
  /** Starts polling (again calls, and calls after close, do nothing). */
  start(): void
  /** Stops polling and waits for a read in progress. */
  close(): Promise<void>
}

interface Handlers {
  /** The primary changed behind this store's back: drop everything cached in process. */
  onChange(): void
  report(error: unknown): void
}

export function validateWatch(options: unknown): asserts options is WatchOptions {
  const { version, intervalMs } = (options ?? {}) as Partial<WatchOptions>
  if (typeof options !== 'object' || options === null || typeof version !== 'function') {
    throw new ConfigError(
      'watch must be { version: () => marker }, e.g. { version: () => sql.dataVersion() }',
    )
  }
  if (intervalMs !== undefined && (!Number.isSafeInteger(intervalMs) || intervalMs < 1)) {
    throw new ConfigError('watch.intervalMs must be an integer number of milliseconds > 0')
  }
}

const UNREAD = Symbol('unread')

/**
 * Polls `version` from start() on and calls onChange when it differs from the previous read. The
 * first read also counts as a change: entries cached before it may predate a write it already
 * includes. A failed read is reported and the last marker kept, so a change made meanwhile is seen
 * at the next read. One read at a time; the timer never keeps the process alive.
 */
export function changeWatcher(
  { version, intervalMs = DEFAULT_WATCH_INTERVAL_MS }: WatchOptions,
  { onChange, report }: Handlers,
): ChangeWatcher {
  let last: unknown = UNREAD
  let started = false
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let reading: Promise<void> = Promise.resolve()

  async function poll(): Promise<void> {
    try {
      const current = await version()
      if (closed) return
      // A marker that is always undefined would never move: say so instead of caching blind.
      if (current === undefined) {
        throw new ConfigError(
          'watch.version() returned undefined; sqlStore has dataVersion() on SQLite only, other primaries need their own marker',
        )
      }
      if (!Object.is(current, last)) {
        last = current
        onChange()
      }
    } catch (error) {
      if (!closed) report(error)
    }
  }

  function next(): void {
    if (closed) return
    timer = setTimeout(() => {
      reading = poll().then(next)
    }, intervalMs)
    timer.unref?.()
  }

  return {
    start() {
      if (started || closed) return
      started = true
      reading = poll().then(next)
    },
    async close() {
      closed = true
      clearTimeout(timer)
      await reading
    },
  }
}
