import { randomUUID } from 'node:crypto'

/** Ids a proxy or client may pass on: 1-128 of letters, digits and `._:-` (UUIDs, trace ids). */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/

export const REQUEST_ID_HEADER = 'X-Request-Id'

/** The incoming X-Request-Id when it is sane, else a new UUID. */
export function requestIdOf(incoming: string | undefined): string {
  return incoming !== undefined && ACCEPTED.test(incoming) ? incoming : randomUUID()
}
