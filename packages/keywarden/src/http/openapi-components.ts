import { ADMIN_FIELDS, keyJsonSchemas } from '../keys/schema.js'
import { dateTime, nullable, nullableDate, problem, ref } from './openapi-parts.js'

/** components.schemas of the OpenAPI document: key schemas from keys/schema.ts, the rest here. */
export const schemas = {
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

/** components.responses: the problem responses every route group refers to. */
export const responses = {
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
  NotImplemented: problem(
    'This server keeps no usage counts or no audit log (the store has none, or it is off).',
  ),
  Unavailable: problem('The store failed; nothing was accepted. Retry later.', {
    'Retry-After': { schema: { type: 'string' } },
  }),
}
