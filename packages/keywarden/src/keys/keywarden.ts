import { ConfigError, NotFoundError, ValidationError } from '../errors.js'
import { createEventHub } from '../events/hub.js'
import type { ChangeContext } from '../events/types.js'
import { claimsOf } from '../notices/claims.js'
import { createExpiryScanner } from '../notices/expiry.js'
import { createUsageNotices } from '../notices/usage.js'
import type { ApiKeyRecord, KeyPatch, KeyStore, StoredKey } from '../stores/types.js'
import { hasMethods, KEY_STORE_METHODS } from '../stores/types.js'
import { usageQuery } from '../usage/query.js'
import { composeObservers, usageObserver, wardenUsageCounter } from '../usage/wire.js'
import { backgroundReporter } from './background.js'
import { fieldsOf, keyChangeEvents } from './changes.js'
import { assertPrefix, createKeyChecker, generateId, generateKey } from './format.js'
import { createKeyHasher } from './hash.js'
import { parseCreateInput, parseUpdateInput, touchesLimits } from './input.js'
import { createLastUsedTracker, createNoopTracker } from './last-used.js'
import { createLeakHandler } from './leak.js'
import { newStoredKey, toRecord } from './record.js'
import { graceEnd, rollInStore, successorOf, validateGrace } from './roll.js'
import { type KeySettings, settableField } from './schema.js'
import { createScopeChecker } from './scopes.js'
import { createKeySearch } from './search.js'
import type { CreatedKey, Keywarden, KeywardenOptions } from './types.js'
import { assertObject } from './validate.js'
import { createVerifier } from './verify.js'

export type {
  CreatedKey,
  CreateKeyInput,
  Keywarden,
  KeywardenOptions,
  LimitSettings,
  ListKeysOptions,
  RollOptions,
  SearchKeysOptions,
  SearchKeysResult,
  UpdateKeyInput,
} from './types.js'
export type {
  VerifyFailureCode,
  VerifyOptions,
  VerifyRateLimited,
  VerifyResult,
  VerifyValid,
} from './verify.js'

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
 * clock, lastUsed, usage or onLimiterError (the message says what to fix).
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
  const report = backgroundReporter(options.onError)
  // Milliseconds since the epoch; Date.now unless a clock is injected (no Date per verification).
  const clock = options.now ? () => now().getTime() : Date.now
  const hash = createKeyHasher(pepper)
  const scopes = createScopeChecker(scopeOptions)
  const tracker =
    lastUsed === false
      ? createNoopTracker()
      : createLastUsedTracker(store, lastUsed, report('last-used flush', { retried: true }))
  const events =
    options.events ?? createEventHub({ store, now, onError: report('audit write or event listener') })
  const changes = keyChangeEvents(events)
  const usage = wardenUsageCounter(store, options.usage, clock, report('usage flush', { retried: true }))
  const { claims } = claimsOf(store)
  const onError = report('key notice')
  const notices = createUsageNotices({ claims, events, now, onError })
  const observe = composeObservers([...(usage ? [usageObserver(usage, clock)] : []), notices.observe])
  const isWellFormedKey = createKeyChecker(prefix)

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
    async create(input, context) {
      const ctx = changes.context(context)
      const at = now()
      const created = await insert(parseCreateInput(input, inputRules, at), at)
      await notices.created(created.record).catch(onError)
      await changes.emit('key.created', created.record, ctx, { fields: fieldsOf(input) })
      return created
    },

    verify: createVerifier({
      store,
      hash,
      isWellFormedKey,
      scopes,
      tracker,
      clock,
      acceptLegacy,
      onLimiterError,
      observe,
    }),

    reportLeak: createLeakHandler({
      store,
      hash,
      isWellFormedKey,
      changes,
      revoke: (id, context) => keys.revoke(id, context),
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

    search: createKeySearch(store, now),

    async update(id, input, context) {
      assertId(id)
      const ctx = changes.context(context)
      const current = touchesLimits(input) ? ((await store.getKeyById(id)) ?? undefined) : undefined
      const patch: KeyPatch = { ...parseUpdateInput(input, inputRules, current), updatedAt: now() }
      const updated = await mustUpdate(id, patch)
      await changes.emit('key.updated', updated, ctx, { fields: fieldsOf(input) })
      return updated
    },

    async revoke(id, context) {
      const ctx = changes.context(context)
      const stored = await mustGet(id)
      if (stored.revokedAt) return toRecord(stored)
      const at = now()
      const revoked = await mustUpdate(id, { revokedAt: at, updatedAt: at })
      await changes.emit('key.revoked', revoked, ctx)
      return revoked
    },

    async delete(id, context) {
      const ctx = changes.context(context)
      const stored = await mustGet(id)
      if (!(await store.deleteKey(id)))
        throw new NotFoundError(`no key has id "${id}"; it may have been deleted`)
      await changes.emit('key.deleted', toRecord(stored), ctx)
    },

    async roll(id, options = {}) {
      const { expireOldInMs = 0, actor, requestId } = assertObject(options, 'options')
      const ctx = changes.context({ actor, requestId } as ChangeContext)
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
      const record = toRecord(rolled.created)
      const previous = toRecord(rolled.previous)
      await changes.emit('key.rolled', record, ctx, { previous, detail: { newKeyId: record.id } })
      return { key, record, previous }
    },
  }

  return {
    prefix,
    keys,
    events,
    audit: { list: (query) => events.list(query) },
    usage: { query: usageQuery(usage, store) },
    notices: { scan: createExpiryScanner({ store, claims, events, now }) },
    flush: async () => {
      await Promise.all([tracker.flush(), usage?.flush()])
    },
    async close() {
      try {
        await Promise.all([tracker.close(), usage?.close()])
      } finally {
        await store.close()
      }
    },
  }
}
