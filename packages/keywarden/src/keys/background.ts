import { describeError } from '../errors.js'

/**
 * How a warden reports failures of its background work. With the app's `onError`, every failure
 * goes there. Without it, a console line naming the work: for flushes retried every interval
 * (last-used times, usage counts) only the first failure is printed, or an outage (or a store
 * closed before the warden) would repeat it every few seconds; lost audit writes, failed
 * listeners and notices are printed each time.
 */
export function backgroundReporter(onError: ((error: unknown) => void) | undefined) {
  const printed = new Set<string>()
  return (what: string, { retried = false }: { retried?: boolean } = {}) =>
    (error: unknown): void => {
      if (onError) {
        onError(error)
        return
      }
      if (retried) {
        if (printed.has(what)) return
        printed.add(what)
      }
      const note = retried ? ' (kept and retried; further failures are not printed)' : ''
      console.warn(`keywarden: ${what} failed${note}: ${describeError(error)}`)
    }
}
