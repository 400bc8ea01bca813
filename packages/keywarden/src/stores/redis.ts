import { ConfigError } from '../errors.js'
import type { AuditStore } from './audit-types.js'
import type { NoticeStore } from './notice-types.js'
import { redisAudit } from './redis/audit.js'
import {
  assertCommandTimeout,
  boundedClient,
  DEFAULT_COMMAND_TIMEOUT_MS,
  quitWithin,
  within,
} from './redis/bounded.js'
import { type KeyCacheTier, redisCacheTier } from './redis/cache-tier.js'
import { connectTimeoutFor, connectUrl, isRedisClient, type RedisClientLike } from './redis/client.js'
import { redisConsume } from './redis/consume.js'
import { createHashById, type RedisContext } from './redis/context.js'
import { redisKeyStore } from './redis/key-store.js'
import { layout } from './redis/layout.js'
import { redisNotices } from './redis/notices.js'
import { redisSecretStore } from './redis/secret-store.js'
import { redisUsage } from './redis/usage.js'
import { redisWebhooks } from './redis/webhooks.js'
import type { KeyStore, SecretStore } from './types.js'
import type { UsageStore } from './usage-types.js'
import type { WebhookStore } from './webhook-types.js'

export type { CachedLookup, KeyCacheTier } from './redis/cache-tier.js'
export type { RedisClientLike, RedisPubSubLike, RedisSubscriberLike } from './redis/client.js'

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster` instance. Yours: `close()` leaves it open. */
  client?: RedisClientLike
  /** `redis://…` or `rediss://…`; the store opens (and closes) its own ioredis client. */
  url?: string
  /** Prefix of every Redis key this store writes. Default `keywarden`. */
  namespace?: string
  /**
   * How long a record stays in Redis after its expiresAt, so verification keeps answering
   * EXPIRED (not NOT_FOUND) for a while. Default one day.
   */
  expiryMarginMs?: number
  /**
   * The longest any call waits on Redis, in ms (default 1000): a frozen or partitioned Redis then
   * fails calls with StoreError instead of holding them. With `url` it is ioredis' commandTimeout;
   * a `client` of yours is bounded by the store as well, whatever its own settings.
   */
  commandTimeoutMs?: number
  /** Clock for the expiry TTLs, injectable for tests. */
  now?: () => Date
}

export type RedisStore = Required<Pick<KeyStore, 'consumeKey' | 'consumeByHash' | 'rollKey'>> &
  KeyStore &
  SecretStore &
  AuditStore &
  NoticeStore &
  UsageStore &
  WebhookStore &
  KeyCacheTier & { readonly namespace: string }

/**
 * Issued keys and vault secrets in Redis (standalone or Cluster) through ioredis (an optional
 * peer, loaded at first use), with usage limits and atomic roll in Lua, the audit log, usage counts
 * and webhooks (endpoints, the outbox with leases, the delivery log). Every call is bounded by
 * `commandTimeoutMs`. The key layout is described in ./redis/layout.ts and docs/stores.md.
 * @throws ConfigError when the options are invalid (not exactly one of client and url, a bad
 * namespace or timeout), or at first use when ioredis is not installed.
 * Its methods throw StoreError when Redis is unreachable or does not answer in time.
 * @example
 * import { redisStore } from 'keywarden/stores/redis'
 * const store = redisStore({ url: 'redis://127.0.0.1:6379', namespace: 'myapp' })
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('redisStore needs options: { client } (an ioredis instance) or { url }')
  }
  const {
    client,
    url,
    namespace = 'keywarden',
    expiryMarginMs = 86_400_000,
    commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
    now = () => new Date(),
  } = options
  if ((client === undefined) === (url === undefined)) {
    throw new ConfigError('redisStore needs exactly one of client (an ioredis Redis or Cluster) or url')
  }
  if (client !== undefined && !isRedisClient(client)) {
    throw new ConfigError('client must be an ioredis Redis or Cluster instance (with call and quit)')
  }
  if (!(Number.isSafeInteger(expiryMarginMs) && expiryMarginMs >= 0)) {
    throw new ConfigError('expiryMarginMs must be a non-negative integer of milliseconds')
  }
  if (typeof now !== 'function') throw new ConfigError('now must be a function returning a Date')
  assertCommandTimeout(commandTimeoutMs)

  let connected: RedisClientLike | undefined = client && boundedClient(client, commandTimeoutMs)
  /** The connection attempt, shared by every call until it settles. */
  let opening: Promise<RedisClientLike> | undefined
  /** What calls wait on meanwhile: the attempt, for at most the connect timeout (it goes on after). */
  let waiting: Promise<RedisClientLike> | undefined
  let closed = false
  const connect = (): Promise<RedisClientLike> => {
    opening ??= connectUrl(url as string, commandTimeoutMs).then(
      (opened) => {
        connected = opened
        if (closed) void quitWithin(opened, commandTimeoutMs)
        return opened
      },
      (error) => {
        opening = undefined
        throw error
      },
    )
    waiting ??= within(opening, connectTimeoutFor(commandTimeoutMs), 'the connection attempt').finally(() => {
      waiting = undefined
    })
    return waiting
  }

  const ctx: RedisContext = {
    client: () => connected ?? connect(),
    keys: layout(namespace),
    ttlFor(expiresAt) {
      if (expiresAt === null) return ''
      return String(Math.max(1, expiresAt.getTime() + expiryMarginMs - now().getTime()))
    },
    hashById: createHashById(),
    tagById: createHashById(),
  }

  return {
    namespace,
    ...redisKeyStore(ctx),
    consumeKey: redisConsume(ctx).consumeKey,
    ...redisSecretStore(ctx),
    ...redisAudit(ctx),
    ...redisNotices(ctx),
    ...redisCacheTier(ctx),
    ...redisUsage(ctx, namespace),
    ...redisWebhooks(ctx),
    async close() {
      closed = true
      if (url !== undefined && connected) await quitWithin(connected, commandTimeoutMs)
    },
  }
}
