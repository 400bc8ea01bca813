/** The arguments and answers of the keys.* methods (verify's are in verify.ts). */
import type { EventHub } from '../events/hub.js'
import type { AuditEntry, ChangeContext } from '../events/types.js'
import type { AuditQuery } from '../stores/audit-types.js'
import type { ApiKeyRecord, KeyStore, Page, RateLimitRule, Refill } from '../stores/types.js'
import type { UsageOptions, UsageQuery, UsageReport } from '../usage/types.js'
import type { LastUsedOptions } from './last-used.js'
import type { ScopeOptions, ScopeRequirement } from './scopes.js'
import type { VerifyOptions, VerifyResult } from './verify.js'

export interface LimitSettings {
  /** Credits left; null (the default) = unlimited. */
  remaining?: number | null
  /** Sets `remaining` to `amount` at each interval; needs `remaining`. */
  refill?: Refill | null
  rateLimits?: RateLimitRule[]
}

export interface CreateKeyInput extends LimitSettings {
  name: string
  ownerId?: string | null
  scopes?: string[]
  metadata?: Record<string, unknown>
  expiresAt?: Date | string | number | null
}

export interface UpdateKeyInput extends LimitSettings {
  name?: string
  ownerId?: string | null
  scopes?: string[]
  metadata?: Record<string, unknown>
  expiresAt?: Date | string | number | null
}

export interface CreatedKey {
  /** The plaintext key. Shown once: only its hash is stored. */
  key: string
  record: ApiKeyRecord
}

export interface ListKeysOptions {
  ownerId?: string
  limit?: number
  cursor?: string | null
}

export interface RollOptions extends ChangeContext {
  /**
   * How long the old key keeps verifying; 0 (the default) ends it at once. At most the old key's
   * remaining life and at most 366 days. Both keys share one credit balance and rate-limit counters.
   */
  expireOldInMs?: number
}

export interface KeywardenOptions {
  store: KeyStore
  /** Key prefix, `[a-z0-9]{1,24}` with inner `_` allowed. */
  prefix: string
  /** With a pepper keys are stored as HMAC-SHA256 instead of SHA-256. Keep it secret and stable. */
  pepper?: string | Buffer
  scopes?: ScopeOptions
  /** Write-behind last-used tracking; false turns it off. */
  lastUsed?: LastUsedOptions | false
  /**
   * Usage counting (warden.usage.query): every verification outcome per key per minute, written in
   * batches, rolled up to hours and days. Default on when the store keeps usage (memory, SQL,
   * Redis, cached over one of them); false turns it off.
   */
  usage?: UsageOptions | false
  /** Clock, injectable for tests. */
  now?: () => Date
  /**
   * Also verify keys imported from systems without keywarden's checksum (records marked `legacy`,
   * e.g. by importLitestarKeys). Such keys cannot be rejected before the store lookup.
   */
  acceptLegacy?: boolean
  /**
   * When the counter store fails for a key with limits: 'deny' (default) fails closed with a
   * StoreError (HTTP 503); 'allow' lets the request through, reported as `limiterError: true`.
   */
  onLimiterError?: 'deny' | 'allow'
  /** Called with errors of background work (last-used flushes, audit writes, listeners). Default: console.warn of the message. */
  onError?: (error: unknown) => void
  /**
   * The event hub changes are emitted on (audit log and subscribers such as webhooks). Default: a
   * hub of its own on `store` (an audit log when the store keeps one: memory, SQL, Redis).
   */
  events?: EventHub
}

/** What createKeywarden returns: the issued keys of one prefix, on one store. */
export interface Keywarden {
  readonly prefix: string
  keys: {
    /**
     * Issues a key: stores its hash and record, and returns the plaintext key once.
     * @throws ValidationError when the input is invalid (the message names the field).
     * @throws ConfigError when the input sets credits or rate limits and the store has no consumeKey.
     * @throws StoreError when the store fails.
     * @example
     * const { key, record } = await warden.keys.create({ name: 'ci', ownerId: 'user_1', scopes: ['users:read'] })
     * // show `key` to the user now: only its hash is kept
     */
    create(input: CreateKeyInput, context?: ChangeContext): Promise<CreatedKey>
    /**
     * Checks a presented key: format and checksum (no store call when malformed), then the store,
     * expiry, revocation, the required scopes, and the key's rate limits and credits (spending
     * `cost`). Never throws for a bad key: the answer says why (`code`).
     * @throws ValidationError when `cost` is not a non-negative integer.
     * @throws StoreError when the store (or, with onLimiterError 'deny', the counters) fails: fail closed.
     * @example
     * const result = await warden.keys.verify(req.headers['x-api-key'], { scopes: ['users:read'] })
     * if (!result.valid) return res.status(401).json({ error: result.code })
     */
    verify(key: unknown, options?: VerifyOptions): Promise<VerifyResult>
    /**
     * The key's record (never its hash or plaintext), or null when no key has that id.
     * @throws ValidationError when `id` is not a key id string.
     * @throws StoreError when the store fails.
     * @example
     * const record = await warden.keys.get('key_01J…')
     */
    get(id: string): Promise<ApiKeyRecord | null>
    /**
     * One page of records, newest first, optionally of one owner; pass `nextCursor` for the next.
     * @throws ValidationError when `limit` is not 1–1000 or `cursor` is not a previous page's nextCursor.
     * @throws StoreError when the store fails.
     * @example
     * const { items, nextCursor } = await warden.keys.list({ ownerId: 'user_1', limit: 20 })
     */
    list(options?: ListKeysOptions): Promise<Page<ApiKeyRecord>>
    /**
     * Changes the given fields (name, owner, scopes, metadata, expiry, limits) and returns the record.
     * @throws NotFoundError when no key has that id.
     * @throws ValidationError when a field is invalid.
     * @throws ConfigError when the patch sets limits and the store has no consumeKey.
     * @throws StoreError when the store fails.
     * @example
     * await warden.keys.update(id, { scopes: ['users:read', 'users:write'], expiresAt: '2030-01-01' })
     */
    update(id: string, patch: UpdateKeyInput, context?: ChangeContext): Promise<ApiKeyRecord>
    /**
     * Revokes the key at once (it then verifies as REVOKED) and returns its record; the record stays.
     * @throws NotFoundError when no key has that id.
     * @throws StoreError when the store fails.
     * @example
     * await warden.keys.revoke(id)
     */
    revoke(id: string, context?: ChangeContext): Promise<ApiKeyRecord>
    /**
     * Deletes the key and its record (it then verifies as NOT_FOUND).
     * @throws NotFoundError when no key has that id.
     * @throws StoreError when the store fails.
     * @example
     * await warden.keys.delete(id)
     */
    delete(id: string, context?: ChangeContext): Promise<void>
    /**
     * Issues a successor with the same settings and ends the old key at once or after
     * `expireOldInMs`; both share one credit balance and rate-limit counters. The new plaintext is
     * returned once.
     * @throws NotFoundError when no key has that id.
     * @throws ValidationError when the key is revoked or expired, or `expireOldInMs` is out of range.
     * @throws StoreError when the store fails (nothing is left half-rolled).
     * @example
     * const { key, record, previous } = await warden.keys.roll(id, { expireOldInMs: 24 * 3_600_000 })
     */
    roll(id: string, options?: RollOptions): Promise<CreatedKey & { previous: ApiKeyRecord }>
    /**
     * The scopes among `required` that `granted` lacks under this warden's wildcard and hierarchy
     * rules (for 'any': all of them when none is met). Pure: no store call, nothing spent.
     */
    missingScopes(
      granted: readonly string[],
      required: readonly string[],
      requirement?: ScopeRequirement,
    ): string[]
  }
  /** The hub this warden's changes are emitted on: pass it to createVault, subscribe webhooks to it. */
  readonly events: EventHub
  audit: {
    /**
     * The audit log, newest first: every change made through this warden (and vaults sharing its
     * hub), with its actor. Entries never hold a key, hash or provider key.
     * @throws ConfigError when the store keeps no audit log.
     * @throws ValidationError when a filter is invalid.
     * @example
     * const { items, nextCursor } = await warden.audit.list({ targetId: record.id, limit: 20 })
     */
    list(query?: Partial<AuditQuery>): Promise<Page<AuditEntry>>
  }
  usage: {
    /**
     * Verification counts per bucket of [from, to): `valid`, `invalid` by failure code, credits
     * `spent`; of one key (`keyId`), one owner's keys (`ownerId`, by the owner at count time),
     * every key (neither), or the keyless series (`keyless: true`: MALFORMED, NOT_FOUND). Every
     * bucket of the range is listed, empty ones included; pending counts are flushed first.
     * @throws ValidationError when from/to are not dates, to is not after from, granularity is not
     * minute/hour/day, or the range holds more than 1500 buckets.
     * @throws ConfigError when usage counting is off (usage: false, or a store without usage).
     * @throws StoreError when the store fails.
     * @example
     * const { buckets } = await warden.usage.query({
     *   keyId: record.id, from: Date.now() - 3_600_000, to: Date.now(), granularity: 'minute',
     * })
     * // [{ at: Date, valid: 12, invalid: { EXPIRED: 1 }, spent: 12 }, …]
     */
    query(query: UsageQuery): Promise<UsageReport>
  }
  /** Writes pending last-used times and usage counts now. */
  flush(): Promise<void>
  /** Flushes and closes the store. */
  close(): Promise<void>
}
