import { ConfigError, StoreError } from '../../errors.js'
import type { RedisClientLike } from './client.js'

/** How long any call waits on Redis unless `commandTimeoutMs` says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000

export function assertCommandTimeout(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ConfigError('commandTimeoutMs must be a positive integer of milliseconds, e.g. 1000')
  }
  return value as number
}

/**
 * `promise`, or a StoreError once `ms` have passed without it settling. A frozen or partitioned
 * Redis keeps connections open and never answers; this is what turns that into an error. A late
 * reply (or rejection) after the timeout is swallowed here, never unhandled.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new StoreError(
          `Redis did not answer ${what} within ${ms} ms (commandTimeoutMs); is it frozen, overloaded or unreachable?`,
        ),
      )
    }, ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * A caller's client with every command bounded: it may have no `commandTimeout` of its own, and
 * an offline queue that holds commands for as long as Redis is away.
 */
export function boundedClient(client: RedisClientLike, ms: number): RedisClientLike {
  return {
    call: (command, ...args) => within(client.call(command, ...args), ms, command),
    quit: () => client.quit(),
    get status() {
      return client.status
    },
    get isCluster() {
      return client.isCluster
    },
  }
}

/** QUIT, or a hard disconnect when Redis does not answer it in time. */
export async function quitWithin(
  client: { quit(): Promise<unknown>; disconnect?: () => void },
  ms: number,
): Promise<void> {
  try {
    await within(client.quit(), ms, 'QUIT')
  } catch {
    client.disconnect?.()
  }
}
