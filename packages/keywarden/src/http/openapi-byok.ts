import { common, joinPath, json, problem, ref, res } from './openapi-parts.js'

const providerParam = {
  name: 'provider',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
  example: 'openai',
}

/** OpenAPI paths of byokRoutes mounted at `base`. */
export function byokPaths(base: string) {
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
