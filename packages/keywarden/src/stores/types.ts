/**
 * The contracts between keywarden's engines (keys/, vault/) and its stores.
 * A store is a plain object; `memoryStore`, `sqlStore` and `redisStore` implement both
 * KeyStore and SecretStore, so one store can back a warden and a vault at once.
 */

import type { SearchKeysQuery, SearchPage } from './key-search.js'

/** A per-key rate limit: at most `limit` verifications per `windowMs`. */
export interface RateLimitRule {
  name: string
  limit: number
  windowMs: number
}

/** A refill sets `remaining` to `amount` at each interval (it does not add). */
export type Refill =
  | { amount: number; intervalMs: number }
  | { amount: number; interval: 'daily' | 'monthly'; dayOfMonth?: number }

/** An issued key as users see it. Never holds the plaintext key or its hash. */
export interface ApiKeyRecord {
  id: string
  name: string
  ownerId: string | null
  prefix: string
  /** prefix + '_' + first 4 entropy characters, for display. */
  start: string
  scopes: string[]
  metadata: Record<string, unknown>
  createdAt: Date
  updatedAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  lastUsedAt: Date | null
  /** Credits left; null = unlimited. */
  remaining: number | null
  refill: Refill | null
  rateLimits: RateLimitRule[]
  /** Imported from a system without keywarden's checksum (verified only with `acceptLegacy`). */
  legacy: boolean
}

/** What a KeyStore keeps: the record plus the hash it is looked up by. */
export interface StoredKey extends ApiKeyRecord {
  /** SHA-256 hex (or HMAC-SHA256 hex with a pepper) of the whole key. */
  hash: string
  lastRefillAt: Date | null
  /**
   * The limit group this key spends from: the id of the first key of its roll chain. Every key of
   * a group shares one credit balance (`remaining`, `lastRefillAt`) and one set of rate-limit
   * counters, so rolling never multiplies them. Null or absent: the key's own (never rolled).
   * Set by `rollKey`; stores persist it and never change it afterwards.
   */
  limitId?: string | null
  /** createdAt of the group's first key: interval refills of every key of the group run on its grid. */
  limitCreatedAt?: Date | null
}

/** Fields `updateKey` may change. `updatedAt` is always part of a patch. */
export type KeyPatch = Partial<
  Pick<
    StoredKey,
    | 'name'
    | 'ownerId'
    | 'scopes'
    | 'metadata'
    | 'expiresAt'
    | 'revokedAt'
    | 'remaining'
    | 'refill'
    | 'rateLimits'
    | 'lastRefillAt'
  >
> & { updatedAt: Date }

export interface ListKeysQuery {
  /** Only this owner's keys; undefined lists every key. */
  ownerId?: string | undefined
  limit: number
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null | undefined
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface TouchEntry {
  id: string
  lastUsedAt: Date
}

/** One rate limit's state: `reset` is the end of the current fixed window (epoch ms). */
export interface LimitState {
  name: string
  limit: number
  remaining: number
  reset: number
}

/** What one verification asks the counters for; the store applies it atomically. */
export interface ConsumeRequest {
  /** Credits to spend; 0 checks without spending or counting anything. */
  cost: number
  /** Epoch milliseconds of the verification. */
  now: number
  /** The key's rate limits, counted by a sliding window over two fixed windows (src/keys/limits.ts). */
  rateLimits: RateLimitRule[]
  /**
   * The latest refill boundary at or before `now` (epoch ms) and the balance it sets, when the key
   * refills: if the stored lastRefillAt is before `at` (or null), remaining becomes `amount` and
   * lastRefillAt becomes `at` before spending.
   */
  refill: { at: number; amount: number } | null
}

/**
 * All-or-nothing: a request refused by any rate limit spends no credits and counts against no
 * limit; one refused for credits counts against no limit either.
 */
export type ConsumeOutcome =
  | { status: 'ok'; remaining: number | null; limits: LimitState[] }
  | { status: 'rate_limited'; limits: LimitState[]; blocked: LimitState; retryAfterMs: number }
  | { status: 'usage_exceeded'; remaining: number; limits: LimitState[] }
  | { status: 'not_found' }

/** What consumeByHash answers. */
export interface ConsumedByHash {
  /** The key of the hash (null: none), showing its balance as read before the spend. */
  key: StoredKey | null
  /** What plan(key)'s request came to; null when plan asked for nothing. */
  outcome: ConsumeOutcome | null
}

/** Storage for issued keys. Methods throw StoreError when the backend fails. */
export interface KeyStore {
  /** Throws ConflictError when the id or the hash exists already. */
  createKey(key: StoredKey): Promise<void>
  getKeyByHash(hash: string): Promise<StoredKey | null>
  /**
   * Optional synchronous look-up for in-process tiers (memory, the cache's local LRU): the key,
   * null when it is known not to exist, or undefined when only getKeyByHash can tell. Lets
   * verify skip a promise round trip on a warm path. Must never answer from stale data that
   * getKeyByHash would not also return.
   */
  peekKeyByHash?(hash: string): StoredKey | null | undefined
  getKeyById(id: string): Promise<StoredKey | null>
  /** Newest first by (createdAt, id); stable while keys are added between pages. */
  listKeys(query: ListKeysQuery): Promise<Page<StoredKey>>
  /** Returns the updated key, or null when no key has that id. */
  updateKey(id: string, patch: KeyPatch): Promise<StoredKey | null>
  /** Returns false when no key had that id. */
  deleteKey(id: string): Promise<boolean>
  /** Batched last-used write: one backend call for every entry. Unknown ids are ignored. */
  touchKeys(entries: TouchEntry[]): Promise<void>
  /**
   * Atomically applies a refill, checks every rate limit and the credits, and records the spend —
   * exact across processes sharing the store. Needed only for keys with limits.
   */
  consumeKey?(id: string, request: ConsumeRequest): Promise<ConsumeOutcome>
  /**
   * Optional: getKeyByHash and consumeKey in one step, so a verification with limits costs what
   * one without does (redisStore: one script instead of a GET and a script). `plan` is the
   * engine's decision on a record: the request to apply, or null to spend nothing (no such key,
   * revoked, expired, scopes missing, no limits). The store answers the record it read and, when
   * plan(record) is a request, its outcome, applied atomically with that read: never to a record
   * that changed since plan saw it (revoked meanwhile, say). plan is pure; it may run more than once.
   */
  consumeByHash?(hash: string, plan: (key: StoredKey) => ConsumeRequest | null): Promise<ConsumedByHash>
  /**
   * Rolls `oldId` in one atomic step: creates `key` (whose limitId/limitCreatedAt name the group:
   * old's limitId, or old's own id when old was never rolled), makes old a member of that group,
   * gives `key` the group's current balance, and applies `patch` to old. On any failure nothing
   * changed: no new key remains and old is as it was. Answers null, creating nothing, when no key
   * has `oldId`; ConflictError when the new id or hash exists already. Optional: without it the
   * engine creates, then updates, and deletes the new key if the update fails — and the keys do
   * not share their limits.
   */
  rollKey?(key: StoredKey, oldId: string, patch: KeyPatch): Promise<RolledKeys | null>
  /**
   * Optional: one page of the keys matching a dashboard search, newest first, and how many match.
   * Without it the engine pages through listKeys and filters.
   */
  searchKeys?(query: SearchKeysQuery): Promise<SearchPage<StoredKey>>
  close(): Promise<void>
}

/** What rollKey answers: the old key after the patch, and the new key as stored. */
export interface RolledKeys {
  previous: StoredKey
  created: StoredKey
}

/** An encrypted provider key as a SecretStore keeps it. */
export interface SecretRecord {
  /** Whose secret: e.g. `user:<id>` or `session`. */
  scope: string
  provider: string
  /** `kw1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). */
  ciphertext: string
  keyId: string
  fingerprint: string
  masked: string
  createdAt: Date
  updatedAt: Date
  expiresAt: Date | null
}

export interface PutSecretOptions {
  /** Compare-and-set: write only when the stored ciphertext is still this one (used by rotation). */
  ifCiphertext?: string
}

export interface DeleteSecretOptions {
  /**
   * Delete only while the stored record is expired at this instant (`expiresAt` set and not after
   * it), decided in the same atomic step as the delete: a value set again since it was read survives
   * (used by purgeExpired). Returns false when the record is not expired.
   */
  expiredBefore?: Date
}

export interface ScanQuery {
  limit: number
  cursor?: string | null | undefined
}

/** The scope of vault values kept for a visitor with no user id: they live only in that visitor's session. */
export const SESSION_SCOPE = 'session'

/** Minimal session interface; express-session, @fastify/session and the sealed cookie adapt to it. */
export interface SessionLike {
  get(key: string): unknown | Promise<unknown>
  set(key: string, value: unknown): void | Promise<void>
  delete(key: string): void | Promise<void>
}

/** Storage for the vault's encrypted secrets. */
export interface SecretStore {
  /** Upsert by (scope, provider). Returns false only when `ifCiphertext` did not match. */
  putSecret(record: SecretRecord, options?: PutSecretOptions): Promise<boolean>
  /** The stored record, expired or not: the vault decides. */
  getSecret(scope: string, provider: string): Promise<SecretRecord | null>
  /** Every record of one scope, sorted by provider. */
  listSecrets(scope: string): Promise<SecretRecord[]>
  /** Returns false when no record matched (or, with `expiredBefore`, when it is not expired). */
  deleteSecret(scope: string, provider: string, options?: DeleteSecretOptions): Promise<boolean>
  /** Deletes every record of one scope; returns how many. */
  clearSecrets(scope: string): Promise<number>
  /** Every record of every scope in a stable order, page by page (for rotate and purge). */
  scanSecrets(query: ScanQuery): Promise<Page<SecretRecord>>
  /** Session-backed stores bind to the request's session here; others need not implement it. */
  withSession?(session: SessionLike): SecretStore
  close(): Promise<void>
}

/** The methods every KeyStore has (consumeKey, consumeByHash, rollKey, peekKeyByHash are optional), for shape checks. */
export const KEY_STORE_METHODS = [
  'createKey',
  'getKeyByHash',
  'getKeyById',
  'listKeys',
  'updateKey',
  'deleteKey',
  'touchKeys',
  'close',
] as const

/** The methods every SecretStore has (withSession is optional), for shape checks. */
export const SECRET_STORE_METHODS = [
  'putSecret',
  'getSecret',
  'listSecrets',
  'deleteSecret',
  'clearSecrets',
  'scanSecrets',
  'close',
] as const

/** True when `value` is an object with every one of `methods` as a function. */
export function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  )
}
