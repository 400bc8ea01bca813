/**
 * POST / — key verification as a service, framework-neutral: a backend in any language sends a key
 * and gets the library's verdict as JSON. The caller is whoever `authorize` accepts, or holds a key
 * with `keywarden:verify` (or `keywarden:admin`). Every verification that ran answers 200.
 */
import { ConfigError, ValidationError } from '../errors.js'
import type { Keywarden, VerifyOptions, VerifyResult } from '../keys/keywarden.js'
import { isScope, MAX_SCOPES } from '../keys/scopes.js'
import { validateNonNegativeInt } from '../keys/validate.js'
import type { LimitState } from '../stores/types.js'
import { assertWarden, normalizeAuthOptions, readKey, rejectionReply } from './core.js'
import { ADMIN_SCOPE } from './management.js'
import {
  insufficientScopes,
  invalidRequest,
  jsonReply,
  type Reply,
  UNAUTHORIZED,
  UNAVAILABLE,
} from './problem.js'
import {
  asBodyObject,
  BODY_NOT_JSON,
  collectFieldProblems,
  defaultOnError,
  errorReply,
  jsonOnly,
  type OnError,
  type Route,
  type RouteInput,
} from './routes.js'
import { verifiedKeyJson } from './serialize.js'

/** What a service's own key needs to call the verify route; `keywarden:admin` implies it. */
export const VERIFY_SCOPE = 'keywarden:verify'

export interface VerifyRoutesOptions<Req> {
  warden: Keywarden
  /**
   * Lets a caller in from your own auth (mTLS, a private network, a session): return true. Without
   * it, or when it returns anything else, only a key with `keywarden:verify` gets in.
   */
  authorize?: (request: Req) => boolean | null | undefined | Promise<boolean | null | undefined>
  /** Where the caller's own key is read from, as in apiKeyAuth. */
  header?: string
  bearer?: boolean
  /** Unexpected failures (store down, authorize threw): logged here, answered with 503. */
  onError?: OnError
}

/** The JSON answer to a verification, whatever its outcome. */
export interface VerifyAnswer {
  valid: boolean
  code: 'VALID' | Extract<VerifyResult, { valid: false }>['code']
  key?: Record<string, unknown>
  /** Credits left; null = unlimited. With USAGE_EXCEEDED, the credits short of the cost. */
  remaining?: number | null
  limits?: Array<{ name: string; limit: number; remaining: number; reset: string }>
  retryAfterMs?: number
  missingScopes?: string[]
}

const SERVICE_SCOPES = [VERIFY_SCOPE, ADMIN_SCOPE]

const bodyValidators = {
  key: (v: unknown) => {
    if (typeof v !== 'string') {
      throw new ValidationError('key must be the API key to check, as a string', { field: 'key' })
    }
  },
  scopes: (v: unknown) => {
    if (!Array.isArray(v) || v.length > MAX_SCOPES || !v.every(isScope)) {
      throw new ValidationError(
        `scopes must be an array of at most ${MAX_SCOPES} "resource:action" strings, e.g. ["users:read"]`,
        { field: 'scopes' },
      )
    }
  },
  requirement: (v: unknown) => {
    if (v !== 'all' && v !== 'any') {
      throw new ValidationError('requirement must be "all" (every scope) or "any" (one of them)', {
        field: 'requirement',
      })
    }
  },
  cost: (v: unknown) => validateNonNegativeInt(v, 'cost'),
}

const limitJson = (state: LimitState) => ({
  name: state.name,
  limit: state.limit,
  remaining: state.remaining,
  reset: new Date(state.reset).toISOString(),
})

/** The library's verdict as JSON: never the plaintext key, only the record's public fields. */
export function verifyAnswer(result: VerifyResult): VerifyAnswer {
  if (result.valid) {
    return {
      valid: true,
      code: 'VALID',
      key: verifiedKeyJson(result.key),
      remaining: result.remaining,
      limits: result.limits.map(limitJson),
    }
  }
  const answer: VerifyAnswer = { valid: false, code: result.code }
  if (result.key) answer.key = verifiedKeyJson(result.key)
  if (result.code === 'RATE_LIMITED') {
    answer.limits = result.limits.map(limitJson)
    answer.retryAfterMs = result.retryAfterMs
  } else {
    if (result.missingScopes) answer.missingScopes = [...result.missingScopes]
    if (result.remaining !== undefined) answer.remaining = result.remaining
  }
  return answer
}

export function verifyRouteTable<Req>(options: VerifyRoutesOptions<Req>): Route<Req>[] {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('verifyRoutes needs an options object: { warden, authorize? }')
  }
  const { warden, authorize, onError = defaultOnError } = options
  assertWarden(warden, 'verifyRoutes')
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new ConfigError('verifyRoutes: authorize must be a function (request) => boolean')
  }
  if (typeof onError !== 'function') throw new ConfigError('verifyRoutes: onError must be a function')
  const { header, bearer } = normalizeAuthOptions(
    { warden, header: options.header, bearer: options.bearer },
    'verifyRoutes',
  )

  /** null when the caller may verify keys, else the refusal (401, 403, 429, 402). */
  async function refuseCaller(input: RouteInput<Req>): Promise<Reply | null> {
    if (authorize && (await authorize(input.native)) === true) return null
    const own = readKey(input.header(header), bearer ? input.authorization() : null)
    if (own === null) return UNAUTHORIZED
    const result = await warden.keys.verify(own, { scopes: SERVICE_SCOPES, requirement: 'any' })
    if (result.valid) return null
    return result.code === 'INSUFFICIENT_SCOPES' ? insufficientScopes([VERIFY_SCOPE]) : rejectionReply(result)
  }

  async function handle(input: RouteInput<Req>): Promise<Reply> {
    try {
      const refused = await refuseCaller(input)
      if (refused) return refused
    } catch (error) {
      onError(error)
      return UNAVAILABLE
    }
    const body = asBodyObject(input.body, false)
    if (!body) return invalidRequest([BODY_NOT_JSON])
    const problems = collectFieldProblems(body, bodyValidators, ['key'])
    if (problems.length > 0) return invalidRequest(problems)
    const verifyOptions: VerifyOptions = {}
    if (body.scopes !== undefined) verifyOptions.scopes = body.scopes as string[]
    if (body.requirement !== undefined) verifyOptions.requirement = body.requirement as 'all' | 'any'
    if (body.cost !== undefined) verifyOptions.cost = body.cost as number
    try {
      return jsonReply(200, verifyAnswer(await warden.keys.verify(body.key, verifyOptions)))
    } catch (error) {
      return errorReply(error, onError)
    }
  }

  return jsonOnly([{ method: 'POST', path: '/', body: true, handle }])
}
