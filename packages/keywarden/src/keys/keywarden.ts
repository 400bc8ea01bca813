import { ConfigError, describeError, NotFoundError, ValidationError } from '../errors.js'
import type { ApiKeyRecord, KeyPatch, KeyStore, Page, StoredKey } from '../stores/types.js'
import { hasMethods, KEY_STORE_METHODS } from '../stores/types.js'
import { assertPrefix, createKeyChecker, generateId, generateKey } from './format.js'
import { createKeyHasher } from './hash.js'
import { parseCreateInput, parseUpdateInput, touchesLimits } from './input.js'
import { createLastUsedTracker, createNoopTracker, type LastUsedOptions } from './last-used.js'
import { newStoredKey, toRecord } from './record.js'
import { graceEnd, rollInStore, successorOf, validateGrace } from './roll.js'
import { type KeySettings, settableField } from './schema.js'
import { createScopeChecker, type ScopeOptions, type ScopeRequirement } from './scopes.js'
import type { CreatedKey, CreateKeyInput, ListKeysOptions, RollOptions, UpdateKeyInput } from './types.js'
import { assertObject } from './validate.js'
import { createVerifier, type VerifyOptions, type VerifyResult } from './verify.js'

export type {
  CreatedKey,
  CreateKeyInput,
  LimitSettings,
  ListKeysOptions,
  RollOptions,
  UpdateKeyInput,
} from './types.js'
export type {
  VerifyFailureCode,
  VerifyOptions,
  VerifyRateLimited,
  VerifyResult,
  VerifyValid,
} from './verify.js'

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

  const inputRules = { scopes, canLimit: typeof store.consumeKey === 'function' }

  const keys: Keywarden['keys'] = {
    async create(input) {
      const at = now()
      return insert(parseCreateInput(input, inputRules, at), at)
    },

    verify: createVerifier({
      store,
      hash,
      isWellFormedKey: createKeyChecker(prefix),
      scopes,
      tracker,
      clock,
      acceptLegacy,
      onLimiterError,
    }),

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
