/**
 * The verify pipeline: parse → hash → lookup → checks → limits → last-used. Everything a
 * verification does lives here; createKeywarden only wires it to its store and options.
 */
import { ConfigError, StoreError, ValidationError } from '../errors.js'
import type { ApiKeyRecord, ConsumeOutcome, KeyStore, LimitState, StoredKey } from '../stores/types.js'
import { consumeRequestFor } from './consume-request.js'
import { MAX_KEY_LENGTH } from './format.js'
import type { LastUsedTracker } from './last-used.js'
import { toRecord } from './record.js'
import type { ScopeChecker, ScopeRequirement } from './scopes.js'

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

/** What the pipeline needs from its warden, resolved and checked by createKeywarden. */
export interface VerifyWiring {
  store: KeyStore
  hash: (key: string) => string
  isWellFormedKey: (key: string) => boolean
  scopes: ScopeChecker
  tracker: LastUsedTracker
  /** Milliseconds since the epoch. */
  clock: () => number
  acceptLegacy: boolean
  onLimiterError: 'deny' | 'allow'
  /**
   * Called synchronously, exactly once per verification that has a result (MALFORMED and
   * NOT_FOUND too; not when verify throws), with the result, the requested cost (default 1) and
   * the clock reading the verification was decided at (absent for MALFORMED, which reads no
   * clock). Usage counting is the first observer; createKeywarden composes them into one function.
   */
  observe: (result: VerifyResult, cost: number, at?: number) => void
}

const MIN_LEGACY_KEY_LENGTH = 16

const MALFORMED: VerifyResult = Object.freeze({ valid: false, code: 'MALFORMED' })
const NOT_FOUND: VerifyResult = Object.freeze({ valid: false, code: 'NOT_FOUND' })
const MALFORMED_PROMISE = Promise.resolve(MALFORMED)
const NO_LIMITS: LimitState[] = Object.freeze([]) as unknown as LimitState[]

// Speed trick (docs/benchmarks.md, "Speed tricks"): stores that hand out the same frozen record on
// every read (memory, the cache's local tier, Redis's last decoded record) get their valid result
// built once. Removing it cost 12% on the memory-store figure.
const validResults = new WeakMap<StoredKey, VerifyValid>()

/** `{ valid: true }` for a key without limits, built once per frozen stored record. */
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

export function createVerifier(wiring: VerifyWiring) {
  const { store, hash, isWellFormedKey, scopes, tracker, clock, acceptLegacy, onLimiterError, observe } =
    wiring

  /** Parse: true for one of our keys, false for a possible imported (legacy) one, null for neither. */
  function parse(key: unknown): boolean | null {
    if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH) return null
    if (isWellFormedKey(key)) return true
    return acceptLegacy && key.length >= MIN_LEGACY_KEY_LENGTH ? false : null
  }

  /**
   * Checks: what the record itself says, before any counter is touched. Null when the answer is
   * the key's limits' to give (nothing is recorded then).
   */
  function inspect(
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

  function check(
    stored: StoredKey | null,
    digest: string,
    wellFormed: boolean,
    options: VerifyOptions | undefined,
    at = clock(),
  ): VerifyResult | Promise<VerifyResult> {
    const cost = options?.cost ?? 1
    const answer = inspect(stored, digest, wellFormed, options, at)
    if (answer === null) return limit(stored as StoredKey, at, cost)
    if (answer.valid) tracker.record((stored as StoredKey).id, at)
    observe(answer, cost, at)
    return answer
  }

  /** On a store with consumeByHash (redisStore): the read and the spend in one store call. */
  function checkAndLimitInOneCall(digest: string, wellFormed: boolean, options: VerifyOptions | undefined) {
    const at = clock()
    const cost = options?.cost ?? 1
    const plan = (stored: StoredKey) =>
      inspect(stored, digest, wellFormed, options, at) === null ? consumeRequestFor(stored, at, cost) : null
    return (store.consumeByHash as NonNullable<KeyStore['consumeByHash']>)(digest, plan).then(
      ({ key, outcome }) =>
        key && outcome ? settle(key, at, outcome, cost) : check(key, digest, wellFormed, options, at),
    )
  }

  /** Limits: one atomic consume in the store for the key's credits and rate limits. */
  async function limit(stored: StoredKey, at: number, cost: number): Promise<VerifyResult> {
    let outcome: ConsumeOutcome
    try {
      if (!store.consumeKey) throw new ConfigError('this store does not support usage limits')
      outcome = await store.consumeKey(stored.id, consumeRequestFor(stored, at, cost))
    } catch (error) {
      if (onLimiterError === 'allow') {
        tracker.record(stored.id, at)
        const key = toRecord(stored)
        const allowed: VerifyValid = {
          valid: true,
          key,
          remaining: stored.remaining,
          limits: [],
          limiterError: true,
        }
        observe(allowed, cost, at)
        return allowed
      }
      if (error instanceof StoreError) throw error
      throw new StoreError(
        'the usage-limit counters could not be updated; the request was denied (onLimiterError: deny)',
        { cause: error },
      )
    }
    return settle(stored, at, outcome, cost)
  }

  function settle(stored: StoredKey, at: number, outcome: ConsumeOutcome, cost: number): VerifyResult {
    const result = settled(stored, at, outcome)
    observe(result, cost, at)
    return result
  }

  function settled(stored: StoredKey, at: number, outcome: ConsumeOutcome): VerifyResult {
    const key = toRecord(stored)
    switch (outcome.status) {
      case 'ok':
        tracker.record(stored.id, at)
        return { valid: true, key, remaining: outcome.remaining, limits: outcome.limits }
      case 'rate_limited': {
        const { name, limit, remaining, reset } = outcome.blocked
        const { retryAfterMs, limits } = outcome
        return {
          valid: false,
          code: 'RATE_LIMITED',
          key,
          name,
          limit,
          remaining,
          reset: new Date(reset),
          retryAfterMs,
          limits,
        }
      }
      case 'usage_exceeded':
        return { valid: false, code: 'USAGE_EXCEEDED', key, remaining: outcome.remaining }
      default:
        return NOT_FOUND
    }
  }

  return function verify(key: unknown, options?: VerifyOptions): Promise<VerifyResult> {
    const wellFormed = parse(key)
    if (wellFormed === null) {
      observe(MALFORMED, options?.cost ?? 1)
      return MALFORMED_PROMISE
    }
    const cost = options?.cost
    if (cost !== undefined && !(Number.isSafeInteger(cost) && cost >= 0)) {
      return Promise.reject(new ValidationError('cost must be a non-negative integer', { field: 'cost' }))
    }
    const digest = hash(key as string)
    // Speed trick (docs/benchmarks.md): in-process stores answer synchronously, so a warm lookup
    // skips the store's promise. Removing it cost 8% on the warm-cache figure.
    const peeked = store.peekKeyByHash?.(digest)
    if (peeked !== undefined) {
      try {
        const result = check(peeked, digest, wellFormed, options)
        return result instanceof Promise ? result : Promise.resolve(result)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    if (store.consumeByHash) return checkAndLimitInOneCall(digest, wellFormed, options)
    return store.getKeyByHash(digest).then((stored) => check(stored, digest, wellFormed, options))
  }
}
