import { ConfigError, describeError, NotFoundError, StoreError, ValidationError } from '../errors.js'
import type {
  ApiKeyRecord,
  ConsumeOutcome,
  KeyPatch,
  KeyStore,
  LimitState,
  Page,
  RateLimitRule,
  Refill,
  StoredKey,
} from '../stores/types.js'
import { hasMethods, KEY_STORE_METHODS } from '../stores/types.js'
import { consumeRequestFor } from './consume-request.js'
import { assertPrefix, createKeyChecker, generateId, generateKey, MAX_KEY_LENGTH } from './format.js'
import { createKeyHasher } from './hash.js'
import { parseCreateInput, parseUpdateInput, touchesLimits } from './input.js'
import { createLastUsedTracker, createNoopTracker, type LastUsedOptions } from './last-used.js'
import { newStoredKey, toRecord } from './record.js'
import { graceEnd, rollInStore, successorOf, validateGrace } from './roll.js'
import { type KeySettings, settableField } from './schema.js'
import { createScopeChecker, type ScopeOptions, type ScopeRequirement } from './scopes.js'
import { assertObject } from './validate.js'

export interface KeywardenOptions {
  store: KeyStore
  /** Key prefix, `[a-z0-9]{1,24}` with inner `_` allowed. */
  prefix: string
  /** With a pepper keys are stored as HMAC-SHA256 instead of SHA-256. Keep it secret and stable. */
  pepper?: string | Buffer
  scopes?: ScopeOptions
  /** Write-behind last-used tracking; false turns it off. */
  lastUsed?: LastUsedOptions | false
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
  /** Called with errors of background work (last-used flushes). Default: console.warn of the message. */
  onError?: (error: unknown) => void
}

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

export type VerifyFailureCode =
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'EXPIRED'
  | 'REVOKED'
  | 'INSUFFICIENT_SCOPES'
  | 'RATE_LIMITED'
  | 'USAGE_EXCEEDED'

export interface VerifyValid {
  valid: true
  key: ApiKeyRecord
  /** Credits left after this verification; null = unlimited. */
  remaining: number | null
  /** Each rate limit's state after this verification. */
  limits: LimitState[]
  /** Only with onLimiterError 'allow': the counters could not be reached, limits were not applied. */
  limiterError?: true
}

export interface VerifyRateLimited {
  valid: false
  code: 'RATE_LIMITED'
  key: ApiKeyRecord
  /** The limit that refused the request. */
  name: string
  limit: number
  remaining: number
  /** End of the current window. */
  reset: Date
  retryAfterMs: number
  limits: LimitState[]
}

export type VerifyResult =
  | VerifyValid
  | VerifyRateLimited
  | {
      valid: false
      code: Exclude<VerifyFailureCode, 'RATE_LIMITED'>
      key?: ApiKeyRecord
      missingScopes?: string[]
      /** With USAGE_EXCEEDED: the credits left (less than the cost). */
      remaining?: number
    }

export interface VerifyOptions {
  scopes?: string[]
  requirement?: ScopeRequirement
  /** Credits this request spends (default 1); 0 checks limits and credits without spending. */
  cost?: number
}

export interface ListKeysOptions {
  ownerId?: string
  limit?: number
  cursor?: string | null
}

export interface RollOptions {
  /**
   * How long the old key keeps verifying; 0 (the default) ends it at once. At most the old key's
   * remaining life and at most 366 days. Both keys share one credit balance and rate-limit counters.
   */
  expireOldInMs?: number
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
    create(input: CreateKeyInput): Promise<CreatedKey>
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
    update(id: string, patch: UpdateKeyInput): Promise<ApiKeyRecord>
    /**
     * Revokes the key at once (it then verifies as REVOKED) and returns its record; the record stays.
     * @throws NotFoundError when no key has that id.
     * @throws StoreError when the store fails.
     * @example
     * await warden.keys.revoke(id)
     */
    revoke(id: string): Promise<ApiKeyRecord>
    /**
     * Deletes the key and its record (it then verifies as NOT_FOUND).
     * @throws NotFoundError when no key has that id.
     * @throws StoreError when the store fails.
     * @example
     * await warden.keys.delete(id)
     */
    delete(id: string): Promise<void>
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
  /** Writes pending last-used times now. */
  flush(): Promise<void>
  /** Flushes and closes the store. */
  close(): Promise<void>
}

const MAX_LIST_LIMIT = 1000
const MIN_LEGACY_KEY_LENGTH = 16

const MALFORMED: VerifyResult = Object.freeze({ valid: false, code: 'MALFORMED' })
const NOT_FOUND: VerifyResult = Object.freeze({ valid: false, code: 'NOT_FOUND' })
const MALFORMED_PROMISE = Promise.resolve(MALFORMED)

const NO_LIMITS: LimitState[] = Object.freeze([]) as unknown as LimitState[]

// Stores that hand out the same immutable object on every read (memory, the cache tier's local
// LRU) get their result built once; other stores return fresh objects and just miss.
const validResults = new WeakMap<StoredKey, VerifyValid>()

/** `{ valid: true }` for a key without limits, built once per immutable stored object. */
function validResult(stored: StoredKey): VerifyValid {
  let result = validResults.get(stored)
  if (result === undefined) {
    result = { valid: true, key: toRecord(stored), remaining: null, limits: NO_LIMITS }
    if (Object.isFrozen(stored)) {
      Object.freeze(result.key)
      Object.freeze(result)
      validResults.set(stored, result)
    }
  }
  return result
}

function hasLimits(stored: StoredKey): boolean {
  return stored.remaining !== null || stored.rateLimits.length > 0
}

function assertStore(store: unknown): asserts store is KeyStore {
  if (!hasMethods(store, KEY_STORE_METHODS)) {
    throw new ConfigError(
      `store must be a KeyStore (memoryStore(), sqlStore(), redisStore(), …) with ${KEY_STORE_METHODS.join(', ')}`,
    )
  }
}

function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) {
    throw new ValidationError('id must be a key id string (as returned by create)', { field: 'id' })
  }
}

/**
 * The issued-keys engine: creates, verifies, lists, updates, revokes, deletes and rolls API keys
 * of one prefix on any KeyStore. Keys are stored as SHA-256 (HMAC with a `pepper`) and carry a
 * checksum, so malformed keys are refused without a store call.
 * @throws ConfigError when an option is invalid: no KeyStore, a bad prefix, a short pepper, a bad
 * clock, lastUsed or onLimiterError (the message says what to fix).
 * @example
 * import { createKeywarden } from 'keywarden'
 * import { memoryStore } from 'keywarden/stores/memory'
 *
 * const warden = createKeywarden({ store: memoryStore(), prefix: 'myapp' })
 * const { key } = await warden.keys.create({ name: 'ci', scopes: ['users:read'] })
 * const result = await warden.keys.verify(key, { scopes: ['users:read'] }) // { valid: true, key, … }
 */
export function createKeywarden(options: KeywardenOptions): Keywarden {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('createKeywarden needs an options object: { store, prefix }')
  }
  const {
    store,
    prefix,
    pepper,
    scopes: scopeOptions,
    lastUsed = {},
    now = () => new Date(),
    acceptLegacy = false,
    onLimiterError = 'deny',
  } = options
  assertStore(store)
  assertPrefix(prefix)
  if (
    pepper !== undefined &&
    (typeof pepper === 'string' ? pepper.length : ((pepper as Buffer)?.length ?? 0)) < 16
  ) {
    throw new ConfigError(
      'pepper must be a string or Buffer of at least 16 characters (32 random bytes recommended)',
    )
  }
  if (typeof now !== 'function') throw new ConfigError('now must be a function returning a Date')
  if (onLimiterError !== 'deny' && onLimiterError !== 'allow') {
    throw new ConfigError("onLimiterError must be 'deny' or 'allow'")
  }
  if (lastUsed !== false) {
    const interval = lastUsed.flushIntervalMs
    if (interval !== undefined && !(Number.isFinite(interval) && interval >= 10)) {
      throw new ConfigError('lastUsed.flushIntervalMs must be a number of milliseconds >= 10')
    }
  }
  const onError =
    options.onError ??
    ((error: unknown) =>
      console.warn(`keywarden: background last-used flush failed: ${describeError(error)}`))
  // Milliseconds since the epoch; Date.now unless a clock is injected (no Date per verification).
  const clock = options.now ? () => now().getTime() : Date.now
  const hash = createKeyHasher(pepper)
  const isWellFormedKey = createKeyChecker(prefix)
  const scopes = createScopeChecker(scopeOptions)
  const tracker = lastUsed === false ? createNoopTracker() : createLastUsedTracker(store, lastUsed, onError)

  async function mustGet(id: string): Promise<StoredKey> {
    assertId(id)
    const stored = await store.getKeyById(id)
    if (!stored) throw new NotFoundError(`no key has id "${id}"; list keys to find the right id`)
    return stored
  }

  async function mustUpdate(id: string, patch: KeyPatch): Promise<ApiKeyRecord> {
    const updated = await store.updateKey(id, patch)
    if (!updated) throw new NotFoundError(`no key has id "${id}"; it may have been deleted`)
    return toRecord(updated)
  }

  async function insert(
    settings: Partial<KeySettings>,
    at: Date,
    lastRefillAt: Date | null = null,
  ): Promise<CreatedKey> {
    const { key, start } = generateKey(prefix)
    const stored = newStoredKey(settings, {
      id: generateId(),
      hash: hash(key),
      prefix,
      start,
      at,
      lastRefillAt,
    })
    await store.createKey(stored)
    return { key, record: toRecord(stored) }
  }

  /** The answer that needs no counters, or null when the key's limits decide (nothing recorded). */
  function check(
    stored: StoredKey | null,
    digest: string,
    wellFormed: boolean,
    options: VerifyOptions | undefined,
    at: number,
  ): VerifyResult | null {
    // The store matched the digest exactly; re-checking it guards against a store that returns the
    // wrong row. No secret is compared here: the digest is a one-way function of a 256-bit key, and
    // the store's index look-up is no more constant-time than this check would be.
    // A key without our checksum may only match a record imported as legacy.
    if (!stored || stored.hash !== digest || (!wellFormed && !stored.legacy)) return NOT_FOUND
    if (stored.revokedAt) return { valid: false, code: 'REVOKED', key: toRecord(stored) }
    if (stored.expiresAt && stored.expiresAt.getTime() <= at)
      return { valid: false, code: 'EXPIRED', key: toRecord(stored) }
    const required = options?.scopes
    if (required && required.length > 0) {
      const missing = scopes.missing(stored.scopes, required, options.requirement ?? 'all')
      if (missing.length > 0) {
        return { valid: false, code: 'INSUFFICIENT_SCOPES', key: toRecord(stored), missingScopes: missing }
      }
    }
    return hasLimits(stored) ? null : validResult(stored)
  }

  function decide(
    stored: StoredKey | null,
    digest: string,
    wellFormed: boolean,
    options: VerifyOptions | undefined,
    at = clock(),
  ): VerifyResult | Promise<VerifyResult> {
    const answer = check(stored, digest, wellFormed, options, at)
    if (answer === null) return consume(stored as StoredKey, at, options?.cost ?? 1)
    if (answer.valid) tracker.record((stored as StoredKey).id, at)
    return answer
  }

  /** verify on a store with consumeByHash: the read and the spend in one store call. */
  function verifyInOneCall(digest: string, wellFormed: boolean, options: VerifyOptions | undefined) {
    const at = clock()
    const cost = options?.cost ?? 1
    const plan = (stored: StoredKey) =>
      check(stored, digest, wellFormed, options, at) === null ? consumeRequestFor(stored, at, cost) : null
    return (store.consumeByHash as NonNullable<KeyStore['consumeByHash']>)(digest, plan).then(
      ({ key, outcome }) =>
        key && outcome ? settle(key, at, outcome) : decide(key, digest, wellFormed, options, at),
    )
  }

  async function consume(stored: StoredKey, at: number, cost: number): Promise<VerifyResult> {
    let outcome: ConsumeOutcome
    try {
      if (!store.consumeKey) throw new ConfigError('this store does not support usage limits')
      outcome = await store.consumeKey(stored.id, consumeRequestFor(stored, at, cost))
    } catch (error) {
      if (onLimiterError === 'allow') {
        tracker.record(stored.id, at)
        return {
          valid: true,
          key: toRecord(stored),
          remaining: stored.remaining,
          limits: [],
          limiterError: true,
        }
      }
      if (error instanceof StoreError) throw error
      throw new StoreError(
        'the usage-limit counters could not be updated; the request was denied (onLimiterError: deny)',
        {
          cause: error,
        },
      )
    }
    return settle(stored, at, outcome)
  }

  function settle(stored: StoredKey, at: number, outcome: ConsumeOutcome): VerifyResult {
    const key = toRecord(stored)
    switch (outcome.status) {
      case 'ok':
        tracker.record(stored.id, at)
        return { valid: true, key, remaining: outcome.remaining, limits: outcome.limits }
      case 'rate_limited': {
        const { name, limit, remaining, reset } = outcome.blocked
        return {
          valid: false,
          code: 'RATE_LIMITED',
          key,
          name,
          limit,
          remaining,
          reset: new Date(reset),
          retryAfterMs: outcome.retryAfterMs,
          limits: outcome.limits,
        }
      }
      case 'usage_exceeded':
        return { valid: false, code: 'USAGE_EXCEEDED', key, remaining: outcome.remaining }
      default:
        return NOT_FOUND
    }
  }

  const inputRules = { scopes, canLimit: typeof store.consumeKey === 'function' }

  const keys: Keywarden['keys'] = {
    async create(input) {
      const at = now()
      return insert(parseCreateInput(input, inputRules, at), at)
    },

    verify(key, options) {
      if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH) return MALFORMED_PROMISE
      const wellFormed = isWellFormedKey(key)
      if (!wellFormed && !(acceptLegacy && key.length >= MIN_LEGACY_KEY_LENGTH)) return MALFORMED_PROMISE
      const cost = options?.cost
      if (cost !== undefined && !(Number.isSafeInteger(cost) && cost >= 0)) {
        return Promise.reject(new ValidationError('cost must be a non-negative integer', { field: 'cost' }))
      }
      const digest = hash(key)
      // In-process stores answer synchronously: no promise round trip on the warm path.
      const peeked = store.peekKeyByHash?.(digest)
      if (peeked !== undefined) {
        try {
          const result = decide(peeked, digest, wellFormed, options)
          return result instanceof Promise ? result : Promise.resolve(result)
        } catch (error) {
          return Promise.reject(error)
        }
      }
      if (store.consumeByHash) return verifyInOneCall(digest, wellFormed, options)
      return store.getKeyByHash(digest).then((stored) => decide(stored, digest, wellFormed, options))
    },

    missingScopes(granted, required, requirement = 'all') {
      if (!Array.isArray(granted) || !Array.isArray(required)) {
        throw new ValidationError('missingScopes needs two arrays of scopes', { field: 'scopes' })
      }
      if (requirement !== 'all' && requirement !== 'any') {
        throw new ValidationError("requirement must be 'all' or 'any'", { field: 'requirement' })
      }
      return scopes.missing(granted, required, requirement)
    },

    async get(id) {
      assertId(id)
      const stored = await store.getKeyById(id)
      return stored ? toRecord(stored) : null
    },

    async list({ ownerId, limit = 50, cursor } = {}) {
      if (ownerId !== undefined) settableField('ownerId').parse(ownerId, 'ownerId', inputRules)
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' })
      }
      if (cursor !== undefined && cursor !== null && (typeof cursor !== 'string' || cursor.length > 1024)) {
        throw new ValidationError('cursor must be the nextCursor string of a previous page', {
          field: 'cursor',
        })
      }
      const page = await store.listKeys({ ownerId, limit, cursor })
      return { items: page.items.map(toRecord), nextCursor: page.nextCursor }
    },

    async update(id, input) {
      assertId(id)
      const current = touchesLimits(input) ? ((await store.getKeyById(id)) ?? undefined) : undefined
      const patch: KeyPatch = { ...parseUpdateInput(input, inputRules, current), updatedAt: now() }
      return mustUpdate(id, patch)
    },

    async revoke(id) {
      const stored = await mustGet(id)
      if (stored.revokedAt) return toRecord(stored)
      const at = now()
      return mustUpdate(id, { revokedAt: at, updatedAt: at })
    },

    async delete(id) {
      assertId(id)
      if (!(await store.deleteKey(id)))
        throw new NotFoundError(`no key has id "${id}"; it may have been deleted`)
    },

    async roll(id, options = {}) {
      const { expireOldInMs = 0 } = assertObject(options, 'options')
      const grace = validateGrace(expireOldInMs)
      const old = await mustGet(id)
      const at = now()
      if (old.revokedAt) {
        throw new ValidationError(`key "${id}" is revoked; create a new key instead of rolling it`, {
          field: 'id',
        })
      }
      if (old.expiresAt && old.expiresAt.getTime() <= at.getTime()) {
        throw new ValidationError(`key "${id}" has expired; create a new key instead of rolling it`, {
          field: 'id',
        })
      }
      const patch: KeyPatch = { expiresAt: graceEnd(grace, old, at), updatedAt: at }
      const { key, start } = generateKey(prefix)
      const next = successorOf(old, at, { id: generateId(), hash: hash(key), prefix, start })
      const rolled = await rollInStore(store, next, id, patch)
      if (!rolled) throw new NotFoundError(`no key has id "${id}"; it may have been deleted`)
      return { key, record: toRecord(rolled.created), previous: toRecord(rolled.previous) }
    },
  }

  return {
    prefix,
    keys,
    flush: () => tracker.flush(),
    async close() {
      try {
        await tracker.close()
      } finally {
        await store.close()
      }
    },
  }
}
