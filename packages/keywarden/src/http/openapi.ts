/** keywarden/openapi — an OpenAPI 3.1 document of the management and BYOK routes. */
import { ConfigError } from '../errors.js'
import { ADMIN_FIELDS, keyJsonSchemas } from '../keys/schema.js'

export type { JsonSchema } from '../keys/schema-kinds.js'
export { type OpenApiDocumentShape, withVerifyRoute } from './openapi-service.js'

export interface OpenApiDocumentOptions {
  /** Where managementRoutes is mounted; null leaves them out. Default '/keys'. */
  basePath?: string | null
  /** Where byokRoutes is mounted; null leaves them out. Default '/byok'. */
  byokBasePath?: string | null
  /** The header apiKeyAuth reads (as configured). Default 'X-API-Key'. */
  header?: string
  title?: string
  version?: string
}

const KNOWN = ['basePath', 'byokBasePath', 'header', 'title', 'version']

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const res = (name: string) => ({ $ref: `#/components/responses/${name}` })
const json = (schema: object) => ({ 'application/json': { schema } })
const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra })
const dateTime = { type: 'string', format: 'date-time' }
const nullableDate = { type: ['string', 'null'], format: 'date-time' }
const noStore = { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } }

const schemas = {
  ApiKeyRecord: keyJsonSchemas.ApiKeyRecord,
  CreatedKey: {
    type: 'object',
    required: ['key', 'record'],
    properties: {
      key: { type: 'string', description: 'The plaintext key. Shown in this response only.' },
      record: ref('ApiKeyRecord'),
    },
  },
  RolledKey: {
    type: 'object',
    required: ['key', 'record', 'previous'],
    properties: {
      key: { type: 'string', description: 'The new plaintext key. Shown in this response only.' },
      record: ref('ApiKeyRecord'),
      previous: ref('ApiKeyRecord'),
    },
  },
  KeyPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: ref('ApiKeyRecord') },
      nextCursor: nullable('string', {
        description: 'Pass as `cursor` for the next page; null on the last.',
      }),
    },
  },
  CreateKeyInput: {
    ...keyJsonSchemas.CreateKeyInput,
    description:
      "Owners (not admins) may only name themselves as ownerId, get the owner policy's limits and expiry for what they leave out, and may ask only for allowed scopes and stricter limits.",
  },
  UpdateKeyInput: {
    ...keyJsonSchemas.UpdateKeyInput,
    description: `Owners cannot change ${ADMIN_FIELDS.join(', ')}, clear or extend expiresAt, or add scopes beyond their own and the owner policy.`,
  },
  RollInput: {
    type: 'object',
    additionalProperties: false,
    properties: {
      expireOldInMs: {
        type: 'integer',
        minimum: 0,
        description:
          "How long the old key keeps working (default 0: it ends at once). Owners: at most the owner policy's maxGraceMs.",
      },
    },
  },
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      missingScopes: { type: 'array', items: { type: 'string' } },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'detail'],
          properties: { field: { type: 'string' }, detail: { type: 'string' } },
        },
      },
      providers: { type: 'array', items: { type: 'string' } },
      addKeyUrl: nullable('string'),
    },
  },
  ProviderKeySummary: {
    type: 'object',
    description: 'A stored provider key as shown to its owner: masked, never the plaintext.',
    required: ['provider', 'label', 'masked', 'fingerprint', 'createdAt', 'expiresAt'],
    properties: {
      provider: { type: 'string' },
      label: { type: 'string' },
      masked: { type: 'string', description: 'First 4 … last 4 characters' },
      fingerprint: { type: 'string' },
      createdAt: dateTime,
      expiresAt: nullableDate,
    },
  },
  ProviderKeyList: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('ProviderKeySummary') } },
  },
  SetProviderKeyInput: {
    type: 'object',
    required: ['apiKey'],
    additionalProperties: false,
    properties: {
      apiKey: { type: 'string', minLength: 1, maxLength: 4096 },
      ttlMs: nullable('integer', { minimum: 1, description: 'Lifetime; null = never expires' }),
    },
  },
}

const problem = (description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: ref('Problem') } },
})

const responses = {
  BadRequest: problem('A field is invalid; `errors` lists each one.'),
  Unauthorized: problem('No valid credentials. The same body for every reason.', {
    'WWW-Authenticate': { schema: { type: 'string' } },
  }),
  Forbidden: problem(
    'Not allowed for this caller: another owner, keywarden:* scopes, or beyond the owner policy (scopes, limits, expiry, roll grace).',
  ),
  NotFound: problem('No such key, or not one of yours.'),
  Conflict: problem('The key exists already.'),
  TooLarge: problem('The body is over 256 KiB.'),
  Unavailable: problem('The store failed; nothing was accepted. Retry later.', {
    'Retry-After': { schema: { type: 'string' } },
  }),
}

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
const providerParam = {
  name: 'provider',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
  example: 'openai',
}
const common = { '401': res('Unauthorized'), '503': res('Unavailable') }

function joinPath(base: string, rest: string): string {
  const trimmed = base.replace(/\/+$/, '')
  return `${trimmed}${rest}` || '/'
}

function managementPaths(base: string) {
  const tags = ['keys']
  return {
    [joinPath(base, '')]: {
      post: {
        operationId: 'createKey',
        tags,
        summary: 'Create a key; the plaintext key is in this response only',
        requestBody: { required: true, content: json(ref('CreateKeyInput')) },
        responses: {
          '201': { description: 'Created', headers: noStore, content: json(ref('CreatedKey')) },
          '400': res('BadRequest'),
          '403': res('Forbidden'),
          '409': res('Conflict'),
          '413': res('TooLarge'),
          ...common,
        },
      },
      get: {
        operationId: 'listKeys',
        tags,
        summary: 'List keys, newest first (an owner sees only its own)',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'ownerId', in: 'query', schema: { type: 'string' }, description: 'Admins only.' },
        ],
        responses: {
          '200': { description: 'A page', content: json(ref('KeyPage')) },
          '400': res('BadRequest'),
          ...common,
        },
      },
    },
    [joinPath(base, '/{id}')]: {
      parameters: [idParam],
      get: {
        operationId: 'getKey',
        tags,
        responses: {
          '200': { description: 'The key', content: json(ref('ApiKeyRecord')) },
          '404': res('NotFound'),
          ...common,
        },
      },
      patch: {
        operationId: 'updateKey',
        tags,
        requestBody: { required: true, content: json(ref('UpdateKeyInput')) },
        responses: {
          '200': { description: 'Updated', content: json(ref('ApiKeyRecord')) },
          '400': res('BadRequest'),
          '413': res('TooLarge'),
          '403': res('Forbidden'),
          '404': res('NotFound'),
          ...common,
        },
      },
      delete: {
        operationId: 'deleteKey',
        tags,
        responses: { '204': { description: 'Deleted' }, '404': res('NotFound'), ...common },
      },
    },
    [joinPath(base, '/{id}/revoke')]: {
      parameters: [idParam],
      post: {
        operationId: 'revokeKey',
        tags,
        responses: {
          '200': { description: 'Revoked', content: json(ref('ApiKeyRecord')) },
          '404': res('NotFound'),
          ...common,
        },
      },
    },
    [joinPath(base, '/{id}/roll')]: {
      parameters: [idParam],
      post: {
        operationId: 'rollKey',
        tags,
        summary:
          'Replace a key with a new one of the same settings; the new plaintext is in this response only',
        requestBody: { required: false, content: json(ref('RollInput')) },
        responses: {
          '201': { description: 'Rolled', headers: noStore, content: json(ref('RolledKey')) },
          '400': res('BadRequest'),
          '413': res('TooLarge'),
          '403': res('Forbidden'),
          '404': res('NotFound'),
          ...common,
        },
      },
    },
  }
}

function byokPaths(base: string) {
  const tags = ['provider keys']
  const security: object[] = []
  return {
    [joinPath(base, '')]: {
      get: {
        operationId: 'listProviderKeys',
        tags,
        security,
        summary: "The caller's stored provider keys, masked",
        responses: { '200': { description: 'Summaries', content: json(ref('ProviderKeyList')) }, ...common },
      },
      delete: {
        operationId: 'clearProviderKeys',
        tags,
        security,
        responses: { '204': { description: 'All removed' }, ...common },
      },
    },
    [joinPath(base, '/{provider}')]: {
      parameters: [providerParam],
      put: {
        operationId: 'setProviderKey',
        tags,
        security,
        requestBody: { required: true, content: json(ref('SetProviderKeyInput')) },
        responses: {
          '200': { description: 'Stored (masked summary)', content: json(ref('ProviderKeySummary')) },
          '400': res('BadRequest'),
          '413': res('TooLarge'),
          ...common,
        },
      },
      delete: {
        operationId: 'deleteProviderKey',
        tags,
        security,
        responses: {
          '204': { description: 'Removed' },
          '400': res('BadRequest'),
          '404': problem('No key stored for this provider.'),
          ...common,
        },
      },
    },
  }
}

function assertPath(value: unknown, name: string): asserts value is string | null {
  if (value !== null && (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(value))) {
    throw new ConfigError(`openApiDocument: ${name} must be a path such as "/keys", or null to leave it out`)
  }
}

export function openApiDocument(options: OpenApiDocumentOptions = {}) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('openApiDocument takes an options object: { basePath, byokBasePath }')
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name)) {
      throw new ConfigError(`openApiDocument: unknown option "${name}"; the options are ${KNOWN.join(', ')}`)
    }
  }
  const {
    basePath = '/keys',
    byokBasePath = '/byok',
    header = 'X-API-Key',
    title = 'keywarden',
    version = '1',
  } = options
  assertPath(basePath, 'basePath')
  assertPath(byokBasePath, 'byokBasePath')
  if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new ConfigError('openApiDocument: header must be an HTTP header name such as "X-API-Key"')
  }
  if (typeof title !== 'string' || typeof version !== 'string') {
    throw new ConfigError('openApiDocument: title and version must be strings')
  }
  return {
    openapi: '3.1.0',
    info: {
      title,
      version,
      description:
        'Key management routes (closed by default: your authorize() or a key with the keywarden:admin scope) and provider-key (BYOK) routes of the signed-in user. Errors are RFC 9457 problem details.',
    },
    security: [{ ApiKeyHeader: [] }, { BearerAuth: [] }],
    paths: {
      ...(basePath === null ? {} : managementPaths(basePath)),
      ...(byokBasePath === null ? {} : byokPaths(byokBasePath)),
    },
    components: {
      securitySchemes: {
        ApiKeyHeader: { type: 'apiKey', in: 'header', name: header },
        BearerAuth: { type: 'http', scheme: 'bearer' },
      },
      schemas,
      responses,
    },
  }
}
