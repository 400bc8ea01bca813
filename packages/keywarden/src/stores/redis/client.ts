import { createHash } from 'node:crypto'
import { ConfigError, KeywardenError, StoreError } from '../../errors.js'
import { importPeer } from '../../peer.js'
import { DEFAULT_COMMAND_TIMEOUT_MS } from './bounded.js'

/**
 * The part of an ioredis `Redis` or `Cluster` instance keywarden uses. Typed structurally so the
 * library never imports ioredis unless a store is given a URL.
 */
export interface RedisClientLike {
  call(command: string, ...args: Array<string | number | Buffer>): Promise<unknown>
  quit(): Promise<unknown>
  readonly status?: string
  readonly isCluster?: boolean
}

/** What cross-instance invalidation needs in addition: publish, and a second connection to subscribe. */
export interface RedisPubSubLike extends RedisClientLike {
  publish(channel: string, message: string): Promise<unknown>
  duplicate(): RedisSubscriberLike
}

export interface RedisSubscriberLike {
  subscribe(...channels: string[]): Promise<unknown>
  on(event: string, listener: (...args: any[]) => void): unknown
  quit(): Promise<unknown>
}

type IoredisModule = { default: new (url: string, options: Record<string, unknown>) => RedisPubSubLike }

function loadIoredis(): Promise<IoredisModule> {
  return importPeer(
    () => import('ioredis') as unknown as Promise<IoredisModule>,
    'ioredis',
    'the Redis store',
  )
}

/** The URL without its password, for error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparsable URL)'
  }
}

/**
 * How long a new connection may take: a command's bound plus a second for TCP and TLS. Also the
 * longest a call waits for a store's first connection.
 */
export function connectTimeoutFor(commandTimeoutMs: number): number {
  return commandTimeoutMs + 1000
}

/**
 * Opens an ioredis client for a URL. Commands fail fast while the server is away (no offline
 * queue), so a cache tier in front of a primary falls through instead of waiting; ioredis keeps
 * reconnecting in the background. A server that is there but does not answer (frozen, or its
 * packets dropped) fails each command after `commandTimeoutMs`; the connection is kept, so
 * commands already sent still apply, in order, when it answers again.
 */
export async function connectUrl(
  url: string,
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Promise<RedisPubSubLike> {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new ConfigError('url must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
  }
  const { default: Redis } = await loadIoredis()
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    // TCP (and TLS) only; the ready check after it is a command, bounded by commandTimeout.
    connectTimeout: connectTimeoutFor(commandTimeoutMs),
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  })
  // ioredis emits 'error' on every failed reconnect; the failing commands carry the error instead.
  ;(client as unknown as { on(event: string, fn: () => void): void }).on('error', () => {})
  try {
    await (client as unknown as { connect(): Promise<void> }).connect()
  } catch (error) {
    ;(client as unknown as { disconnect(): void }).disconnect()
    throw new StoreError(`cannot connect to Redis at ${redactUrl(url)}; is the server running?`, {
      cause: error,
    })
  }
  return client
}

export function isRedisClient(value: unknown): value is RedisClientLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RedisClientLike).call === 'function' &&
    typeof (value as RedisClientLike).quit === 'function'
  )
}

/** Turns a driver failure into a StoreError; keywarden's own errors pass through. */
export function storeFailure(action: string, error: unknown): KeywardenError {
  if (error instanceof KeywardenError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new StoreError(`Redis failed to ${action}: ${reason}`, { cause: error })
}

/** A Lua script run by EVALSHA, loaded with EVAL on the first NOSCRIPT (per node on a cluster). */
export interface Script {
  readonly source: string
  run(client: RedisClientLike, keys: string[], args: Array<string | number>): Promise<unknown>
}

export function script(source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex')
  return {
    source,
    async run(client, keys, args) {
      try {
        return await client.call('EVALSHA', sha, keys.length, ...keys, ...args)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return client.call('EVAL', source, keys.length, ...keys, ...args)
      }
    },
  }
}
