/** The verify route (verifyRoutes) in an OpenAPI document made by openApiDocument(). */
import { ConfigError } from '../errors.js'
import { KEY_FIELDS } from '../keys/schema.js'
import { MAX_SCOPES, SCOPE_PATTERN } from '../keys/scopes.js'
import { VERIFIED_KEY_FIELDS } from './serialize.js'
import { VERIFY_SCOPE } from './verify.js'

/** The parts of openApiDocument()'s result this adds to. */
export interface OpenApiDocumentShape {
  paths: Record<string, unknown>
  components: { schemas: Record<string, unknown> }
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const res = (name: string) => ({ $ref: `#/components/responses/${name}` })
const AT = '2030-01-01T00:00:00.000Z'
const CODES = [
  'VALID',
  'MALFORMED',
  'NOT_FOUND',
  'EXPIRED',
  'REVOKED',
  'INSUFFICIENT_SCOPES',
  'RATE_LIMITED',
  'USAGE_EXCEEDED',
]

const key = {
  id: 'k_01J9ZQ4W8E5RT3Y2',
  name: 'billing service',
  ownerId: 'team-billing',
  scopes: ['users:read'],
  metadata: { plan: 'pro' },
  expiresAt: null,
  lastUsedAt: AT,
}

const schemas = {
  VerifyInput: {
    type: 'object',
    required: ['key'],
    additionalProperties: false,
    properties: {
      key: { type: 'string', description: 'The API key to check, as your caller sent it.' },
      scopes: {
        type: 'array',
        maxItems: MAX_SCOPES,
        items: { type: 'string', pattern: SCOPE_PATTERN.source },
        description: 'Scopes the key must hold (wildcards and the scope hierarchy count).',
      },
      requirement: {
        type: 'string',
        enum: ['all', 'any'],
        default: 'all',
        description: 'Every scope, or one of them.',
      },
      cost: {
        type: 'integer',
        minimum: 0,
        default: 1,
        description: 'Credits this request spends; 0 checks limits and credits without spending.',
      },
    },
  },
  VerifiedKey: {
    type: 'object',
    description: "The verified key's public fields: never the key, its hash or its limits.",
    required: [...VERIFIED_KEY_FIELDS],
    properties: Object.fromEntries(VERIFIED_KEY_FIELDS.map((name) => [name, KEY_FIELDS[name].schema])),
  },
  LimitState: {
    type: 'object',
    required: ['name', 'limit', 'remaining', 'reset'],
    properties: {
      name: { type: 'string' },
      limit: { type: 'integer' },
      remaining: { type: 'integer' },
      reset: { type: 'string', format: 'date-time', description: 'End of the current window.' },
    },
  },
  VerifyAnswer: {
    type: 'object',
    description: 'The verdict. `key` is there whenever the key exists, also when it is refused.',
    required: ['valid', 'code'],
    additionalProperties: false,
    properties: {
      valid: { type: 'boolean' },
      code: { type: 'string', enum: CODES },
      key: ref('VerifiedKey'),
      remaining: {
        type: ['integer', 'null'],
        description: 'Credits left (null = unlimited); with USAGE_EXCEEDED, those short of the cost.',
      },
      limits: { type: 'array', items: ref('LimitState'), description: "Each rate limit's state." },
      retryAfterMs: { type: 'integer', description: 'With RATE_LIMITED: when to try again.' },
      missingScopes: { type: 'array', items: { type: 'string' } },
    },
  },
}

const examples = {
  valid: {
    summary: 'A valid key',
    value: { valid: true, code: 'VALID', key, remaining: 99, limits: [] },
  },
  insufficientScopes: {
    summary: 'A valid key without the scope asked for',
    value: { valid: false, code: 'INSUFFICIENT_SCOPES', key, missingScopes: ['users:write'] },
  },
  rateLimited: {
    summary: 'Over its rate limit',
    value: {
      valid: false,
      code: 'RATE_LIMITED',
      key,
      limits: [{ name: 'per-minute', limit: 60, remaining: 0, reset: AT }],
      retryAfterMs: 4000,
    },
  },
  notFound: { summary: 'No such key', value: { valid: false, code: 'NOT_FOUND' } },
}

function verifyPath() {
  return {
    post: {
      operationId: 'verifyKey',
      tags: ['service'],
      summary: `Verify any owner's key for a backend service (its own key needs ${VERIFY_SCOPE})`,
      description:
        'Credits and rate limits are spent exactly as a verification in the library spends them. Answers 200 for every verification that ran, valid or not; `code` says why.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: ref('VerifyInput'),
            examples: {
              scoped: { value: { key: 'sk_Ab3dXXXXXXXXXXXXXXXXXXXXXXXX', scopes: ['users:read'] } },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'The verification ran',
          headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } },
          content: { 'application/json': { schema: ref('VerifyAnswer'), examples } },
        },
        '400': res('BadRequest'),
        '401': res('Unauthorized'),
        '403': res('Forbidden'),
        '413': res('TooLarge'),
        '503': res('Unavailable'),
      },
    },
  }
}

/** `document` with POST `path` (where verifyRoutes is mounted) and its schemas added. */
export function withVerifyRoute<D extends OpenApiDocumentShape>(document: D, path = '/verify'): D {
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
    throw new ConfigError('withVerifyRoute: path must be where verifyRoutes is mounted, such as "/verify"')
  }
  return {
    ...document,
    paths: { ...document.paths, [path.replace(/(?<=.)\/+$/, '')]: verifyPath() },
    components: { ...document.components, schemas: { ...document.components.schemas, ...schemas } },
  }
}
