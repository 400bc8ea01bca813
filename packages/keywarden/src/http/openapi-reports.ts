/** OpenAPI of the usage and audit routes: GET {keys}/{id}/usage, GET {reports}/usage, GET {reports}/audit. */
import { AUDIT_ACTIONS } from '../events/types.js'
import { common, dateTime, idParam, joinPath, json, ref, res } from './openapi-parts.js'

const counts = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } }
const actorTypes = ['key', 'session', 'cli', 'system']

/** components.schemas of the usage and audit answers. */
export const reportSchemas: Record<string, object> = {
  UsageBucket: {
    type: 'object',
    required: ['at', 'valid', 'invalid', 'spent'],
    properties: {
      at: { ...dateTime, description: 'Start of the bucket.' },
      valid: { type: 'integer', minimum: 0 },
      invalid: {
        ...counts,
        description: 'Refusals by code (EXPIRED, REVOKED, RATE_LIMITED, …); none absent.',
      },
      spent: { type: 'integer', minimum: 0, description: 'Credits spent.' },
    },
  },
  UsageReport: {
    type: 'object',
    required: ['from', 'to', 'granularity', 'totals', 'buckets'],
    properties: {
      keyId: { type: 'string' },
      ownerId: { type: 'string' },
      from: dateTime,
      to: dateTime,
      granularity: { type: 'string', enum: ['minute', 'hour', 'day'] },
      totals: {
        type: 'object',
        required: ['valid', 'invalid', 'spent'],
        properties: { valid: { type: 'integer' }, invalid: counts, spent: { type: 'integer' } },
      },
      buckets: {
        type: 'array',
        items: ref('UsageBucket'),
        description: 'Every bucket, empty ones included.',
      },
    },
  },
  AuditEntry: {
    type: 'object',
    description: 'One change, with who made it. Never a key, a hash or a provider key.',
    required: ['id', 'at', 'action', 'actor', 'target'],
    properties: {
      id: { type: 'string' },
      at: dateTime,
      action: { type: 'string', enum: [...AUDIT_ACTIONS] },
      actor: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', enum: actorTypes },
          id: {
            type: 'string',
            description: 'The key id (key), the admin key id (session), the OS user (cli).',
          },
          address: { type: 'string', description: 'The client address, for changes made over HTTP.' },
        },
      },
      target: {
        type: 'object',
        required: ['type', 'id'],
        properties: { type: { type: 'string' }, id: { type: 'string' } },
      },
      fields: {
        type: 'array',
        items: { type: 'string' },
        description: 'The names of the fields a change set.',
      },
      requestId: { type: 'string' },
      ownerId: { type: ['string', 'null'] },
      detail: { type: 'object' },
    },
  },
  AuditPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: ref('AuditEntry') },
      nextCursor: {
        type: ['string', 'null'],
        description: 'Pass as `cursor` for the next page; null on the last.',
      },
    },
  },
}

const rangeParams = [
  {
    name: 'from',
    in: 'query',
    schema: { type: 'string' },
    description: 'ISO 8601 date or epoch ms, inclusive. Default: 24 hours before `to`.',
  },
  {
    name: 'to',
    in: 'query',
    schema: { type: 'string' },
    description: 'ISO 8601 date or epoch ms, exclusive. Default: the end of the current bucket.',
  },
]
const usageParams = [
  ...rangeParams,
  {
    name: 'granularity',
    in: 'query',
    schema: { type: 'string', enum: ['minute', 'hour', 'day'], default: 'hour' },
  },
]
const ownerParam = {
  name: 'ownerId',
  in: 'query',
  schema: { type: 'string' },
  description: 'Admins: any owner. Owners: only their own (403 for another); it is the default.',
}
const notCounted = res('NotImplemented')
const tags = ['reports']

/** `{keys}/{id}/usage`: part of managementRoutes mounted at `base`. */
export function keyUsagePaths(base: string) {
  return {
    [joinPath(base, '/{id}/usage')]: {
      parameters: [idParam],
      get: {
        operationId: 'getKeyUsage',
        tags,
        summary: "A key's verifications over time by outcome (default: the last 24 hours by hour)",
        parameters: usageParams,
        responses: {
          '200': { description: 'Buckets and totals', content: json(ref('UsageReport')) },
          '400': res('BadRequest'),
          '404': res('NotFound'),
          '501': notCounted,
          ...common,
        },
      },
    },
  }
}

/** reportRoutes mounted at `base`: `/usage` and `/audit`. */
export function reportPaths(base: string) {
  return {
    [joinPath(base, '/usage')]: {
      get: {
        operationId: 'getUsage',
        tags,
        summary: "Verifications over time of one owner's keys, or of every key (admins)",
        parameters: [ownerParam, ...usageParams],
        responses: {
          '200': { description: 'Buckets and totals', content: json(ref('UsageReport')) },
          '400': res('BadRequest'),
          '403': res('Forbidden'),
          '501': notCounted,
          ...common,
        },
      },
    },
    [joinPath(base, '/audit')]: {
      get: {
        operationId: 'listAudit',
        tags,
        summary:
          'The audit log, newest first (an owner sees only entries about its own keys and provider keys)',
        parameters: [
          { name: 'targetId', in: 'query', schema: { type: 'string' } },
          { name: 'action', in: 'query', schema: { type: 'string', enum: [...AUDIT_ACTIONS] } },
          { name: 'actorId', in: 'query', schema: { type: 'string' } },
          ownerParam,
          ...rangeParams.map((p) => ({ ...p, description: p.description.split('.')[0] })),
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        ],
        responses: {
          '200': { description: 'A page', content: json(ref('AuditPage')) },
          '400': res('BadRequest'),
          '403': res('Forbidden'),
          '501': notCounted,
          ...common,
        },
      },
    },
  }
}
