/**
 * One background write at a time: a flush waits for the write in flight, then runs its own, so
 * batches reach the store in order and a caller's flush covers everything recorded before it.
 * Used by the last-used tracker and the usage counter.
 */
export function serialFlush(write: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | null = null
  return async function flush() {
    while (inFlight) await inFlight.catch(() => {})
    inFlight = write()
    try {
      await inFlight
    } finally {
      inFlight = null
    }
  }
}
