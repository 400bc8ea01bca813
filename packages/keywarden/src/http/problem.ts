/**
 * RFC 9457 problem details, built once where they are constant. A `Reply` is the framework-neutral
 * answer every adapter writes out as is.
 */
export interface Reply {
  status: number
  headers: Readonly<Record<string, string>>
  /** Serialized body (JSON or problem+json); null for 204. */
  body: string | null
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  [extension: string]: unknown
}

export interface FieldProblem {
  field: string
  detail: string
}

const PROBLEM = 'application/problem+json'
const JSON_TYPE = 'application/json; charset=utf-8'
const NO_STORE = 'no-store'

export function problemReply(problem: Problem, headers: Record<string, string> = {}): Reply {
  return {
    status: problem.status,
    headers: { 'content-type': PROBLEM, 'cache-control': NO_STORE, ...headers },
    body: JSON.stringify(problem),
  }
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': NO_STORE, ...headers },
    body: JSON.stringify(body),
  }
}

export const NO_CONTENT: Reply = Object.freeze({
  status: 204,
  headers: Object.freeze({ 'cache-control': NO_STORE }),
  body: null,
})

const type = (name: string) => `https://keywarden.dev/problems/${name}`

/**
 * The one answer for a missing, malformed, unknown, expired or revoked key, so a caller cannot
 * tell them apart. The specific reason goes only to `onReject`.
 */
export const UNAUTHORIZED: Reply = Object.freeze(
  problemReply(
    {
      type: type('unauthorized'),
      title: 'Unauthorized',
      status: 401,
      detail:
        'A valid API key is required. Send it in the X-API-Key header or as Authorization: Bearer <key>.',
    },
    { 'www-authenticate': 'ApiKey' },
  ),
)

/** The key store (or a hook such as authorize/identify) failed: never a false accept, never a stack. */
export const UNAVAILABLE: Reply = Object.freeze(
  problemReply(
    {
      type: type('unavailable'),
      title: 'Service Unavailable',
      status: 503,
      detail: 'Keys cannot be checked right now. Try again shortly.',
    },
    { 'retry-after': '5' },
  ),
)

export const NOT_FOUND: Reply = Object.freeze(
  problemReply({
    type: type('not-found'),
    title: 'Not Found',
    status: 404,
    detail: 'No such key. List your keys to find the right id.',
  }),
)

export const NO_USER: Reply = Object.freeze(
  problemReply(
    {
      type: type('unidentified'),
      title: 'Unauthorized',
      status: 401,
      detail: 'Sign in first: provider keys belong to a user or a session.',
    },
    { 'www-authenticate': 'Session' },
  ),
)

export const HTTPS_REQUIRED: Reply = Object.freeze(
  problemReply({
    type: type('https-required'),
    title: 'HTTPS Required',
    status: 403,
    detail: 'This endpoint is served over HTTPS only. Repeat the request with https://.',
  }),
)

export function insufficientScopes(missing: readonly string[]): Reply {
  return problemReply({
    type: type('insufficient-scopes'),
    title: 'Forbidden',
    status: 403,
    detail: `This API key lacks the scope${missing.length === 1 ? '' : 's'} ${missing.join(', ')}.`,
    missingScopes: [...missing],
  })
}

export function forbidden(detail: string): Reply {
  return problemReply({ type: type('forbidden'), title: 'Forbidden', status: 403, detail })
}

export function invalidRequest(errors: readonly FieldProblem[]): Reply {
  return problemReply({
    type: type('invalid-request'),
    title: 'Bad Request',
    status: 400,
    detail: `The request has ${errors.length === 1 ? 'an invalid field' : `${errors.length} invalid fields`}: ${errors.map((e) => e.field).join(', ')}.`,
    errors: errors.map((e) => ({ field: e.field, detail: e.detail })),
  })
}

export function conflict(detail: string): Reply {
  return problemReply({ type: type('conflict'), title: 'Conflict', status: 409, detail })
}

export function providerKeyRequired(providers: readonly string[], addKeyUrl: string | null): Reply {
  const where = addKeyUrl ? ` Add one at ${addKeyUrl}.` : ''
  return problemReply(
    {
      type: type('provider-key-required'),
      title: 'Precondition Required',
      status: 428,
      detail: `This needs your own API key for ${providers.length === 1 ? providers[0] : `one of ${providers.join(', ')}`}.${where}`,
      providers: [...providers],
      addKeyUrl,
    },
    addKeyUrl ? { link: `<${addKeyUrl}>; rel="help"` } : {},
  )
}

export interface RateLimitInfo {
  retryAfterMs?: number
  limit?: number
  remaining?: number
}

export function rateLimited(info: RateLimitInfo): Reply {
  const retryAfter = Math.max(1, Math.ceil((info.retryAfterMs ?? 1000) / 1000))
  const headers: Record<string, string> = {
    'retry-after': String(retryAfter),
    'ratelimit-reset': String(retryAfter),
  }
  if (Number.isFinite(info.limit)) headers['ratelimit-limit'] = String(info.limit)
  if (Number.isFinite(info.remaining))
    headers['ratelimit-remaining'] = String(Math.max(0, info.remaining as number))
  return problemReply(
    {
      type: type('rate-limited'),
      title: 'Too Many Requests',
      status: 429,
      detail: `This API key is over its rate limit. Retry after ${retryAfter} s.`,
    },
    headers,
  )
}

/** 429 for a throttle other than a key's own rate limits; `detail` is followed by the wait. */
export function tooManyRequests(detail: string, retryAfterMs: number): Reply {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return problemReply(
    {
      type: type('too-many-requests'),
      title: 'Too Many Requests',
      status: 429,
      detail: `${detail} Retry after ${retryAfter} s.`,
    },
    { 'retry-after': String(retryAfter) },
  )
}

export const USAGE_EXCEEDED: Reply = Object.freeze(
  problemReply({
    type: type('usage-exceeded'),
    title: 'Payment Required',
    status: 402,
    detail: 'This API key has no credits left. Wait for its refill or ask for more credits.',
  }),
)

/** 413; `detail` says how large a body may be. */
export function contentTooLarge(detail: string): Reply {
  return problemReply({ type: type('too-large'), title: 'Content Too Large', status: 413, detail })
}

export const CONTENT_TOO_LARGE: Reply = Object.freeze(
  contentTooLarge('The body may be at most 256 KiB of JSON.'),
)

/**
 * A body (or a content type) other than JSON: also what keeps a cross-site form or text/plain
 * POST, which a browser sends without asking, away from routes behind a cookie-based authorize.
 */
export const UNSUPPORTED_MEDIA_TYPE: Reply = Object.freeze(
  problemReply({
    type: type('unsupported-media-type'),
    title: 'Unsupported Media Type',
    status: 415,
    detail: 'Send the body as JSON with Content-Type: application/json.',
  }),
)

/** Web Response for Hono and other fetch-style runtimes. */
export function toResponse(reply: Reply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers })
}
