/**
 * Rate-limited error reporting: a cache tier that is down fails on every request, and a log line
 * per request would bury everything else. The first error is reported at once, later ones at most
 * once per interval.
 */
export function rateLimitedReporter(
  onError: (error: unknown) => void,
  intervalMs = 10_000,
): (error: unknown) => void {
  let last = Number.NEGATIVE_INFINITY
  return (error) => {
    const at = Date.now()
    if (at - last < intervalMs) return
    last = at
    try {
      onError(error)
    } catch {}
  }
}
