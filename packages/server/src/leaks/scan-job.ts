import type { Keywarden } from 'keywarden'

/**
 * Runs `warden.notices.scan()` every `intervalMs` (KEYWARDEN_EXPIRY_SCAN_MS; 0 turns it off),
 * one scan at a time. Every instance may run it: the store's notice claims make each notice fire
 * once. Returns the stop function, which waits for a scan in progress.
 */
export function startExpiryScan(
  warden: Keywarden,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => Promise<void> {
  if (intervalMs <= 0) return async () => {}
  let running: Promise<void> | null = null
  const timer = setInterval(() => {
    if (running) return
    running = warden.notices
      .scan()
      .then(
        () => {},
        (error) => onError(error),
      )
      .finally(() => {
        running = null
      })
  }, intervalMs)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}
