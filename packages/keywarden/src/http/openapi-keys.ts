import { common, idParam, joinPath, json, noStore, ref, res } from './openapi-parts.js'

/** OpenAPI paths of managementRoutes mounted at `base`. */
export function managementPaths(base: string) {
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
