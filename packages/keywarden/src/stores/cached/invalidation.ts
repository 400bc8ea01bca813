import { randomBytes } from 'node:crypto'
import { ConfigError } from '../../errors.js'
import { quitWithin, within } from '../redis/bounded.js'
import {
  connectTimeoutFor,
  connectUrl,
  isRedisClient,
  type RedisPubSubLike,
  type RedisSubscriberLike,
} from '../redis/client.js'

const RETRY_SUBSCRIBE_MS = 1000

export interface InvalidationOptions {
  /** An ioredis client (a second connection is made with `duplicate()` to subscribe) or a URL. */
  redis: RedisPubSubLike | string
  /** Pub/sub channel; instances that share keys must share it. Default `keywarden:invalidate`. */
  channel?: string
}

export interface InvalidationBus {
  /** Resolves once this instance is subscribed; rejects if the first try fails (it keeps trying). */
  ready: Promise<void>
  publish(id: string, hash: string | undefined): Promise<void>
  close(): Promise<void>
}

interface Handlers {
  /** Another (or this) instance changed the key. */
  onInvalidate(id: string, hash: string | undefined): void
  /** The subscription was (re)established: messages may have been missed, drop everything. */
  onResubscribed(): void
  report(error: unknown): void
  /** The longest connecting, subscribing, publishing or quitting waits on Redis. */
  timeoutMs: number
}

export function validateInvalidation(options: unknown): asserts options is InvalidationOptions {
  const redis = (options as InvalidationOptions | null)?.redis
  const ok =
    typeof redis === 'string' ||
    (isRedisClient(redis) &&
      typeof (redis as RedisPubSubLike).publish === 'function' &&
      typeof (redis as RedisPubSubLike).duplicate === 'function')
  if (typeof options !== 'object' || options === null || !ok) {
    throw new ConfigError('invalidation must be { redis } with an ioredis client or a redis:// URL')
  }
  const channel = (options as InvalidationOptions).channel
  if (channel !== undefined && (typeof channel !== 'string' || channel.length === 0)) {
    throw new ConfigError('invalidation.channel must be a non-empty string')
  }
}

/**
 * Cross-instance invalidation over Redis pub/sub: every write publishes { id, hash, from }. A
 * subscriber on a frozen Redis hears nothing and cannot tell: the cache must never trust its
 * entries longer than ttlMs on the strength of this bus.
 */
export function invalidationBus(
  { redis, channel = 'keywarden:invalidate' }: InvalidationOptions,
  { onInvalidate, onResubscribed, report, timeoutMs }: Handlers,
): InvalidationBus {
  const owned = typeof redis === 'string'
  const self = randomBytes(8).toString('hex')
  let publisher: RedisPubSubLike | undefined = owned ? undefined : redis
  let subscriber: RedisSubscriberLike | undefined
  let closed = false

  async function subscribe(): Promise<void> {
    // Not cut short (a late connection would leak): connectUrl is bounded by its own timeouts.
    publisher ??= await connectUrl(redis as string, timeoutMs)
    const sub = owned
      ? ((await connectUrl(redis as string, timeoutMs)) as unknown as RedisSubscriberLike)
      : publisher.duplicate()
    subscriber = sub
    sub.on('error', () => {})
    sub.on('message', (from: string, message: string) => {
      if (from !== channel) return
      try {
        const { id, hash, from: origin } = JSON.parse(message) as { id: string; hash?: string; from?: string }
        // Our own writes dropped their entries before publishing.
        if (origin !== self) onInvalidate(id, hash)
      } catch (error) {
        report(error)
      }
    })
    // ioredis resubscribes by itself after a reconnect; what was published meanwhile is lost.
    sub.on('ready', onResubscribed)
    // A duplicate() connects first: SUBSCRIBE waits for that, then answers like any command.
    await within(sub.subscribe(channel), connectTimeoutFor(timeoutMs) + timeoutMs, 'SUBSCRIBE')
    onResubscribed()
    if (closed) await quitWithin(sub, timeoutMs)
  }

  let retry: ReturnType<typeof setTimeout> | undefined
  /** Until the first subscription succeeds, try again every second (Redis may start later). */
  function attempt(): Promise<void> {
    const done = subscribe()
    done.catch((error) => {
      report(error)
      if (closed) return
      if (subscriber) void quitWithin(subscriber, timeoutMs)
      subscriber = undefined
      retry = setTimeout(() => void attempt().catch(() => {}), RETRY_SUBSCRIBE_MS)
      retry.unref?.()
    })
    return done
  }
  const ready = attempt()

  return {
    ready,
    async publish(id, hash) {
      try {
        const message = JSON.stringify({ id, hash, from: self })
        const sent = publisher
          ? publisher.publish(channel, message)
          : ready.then(() => publisher?.publish(channel, message))
        await within(sent, timeoutMs, 'PUBLISH')
      } catch (error) {
        report(error)
      }
    },
    async close() {
      closed = true
      clearTimeout(retry)
      await ready.catch(() => {})
      if (subscriber) await quitWithin(subscriber, timeoutMs)
      if (owned && publisher) await quitWithin(publisher, timeoutMs)
    },
  }
}
