import { Hono } from 'hono'
import type { Keywarden } from 'keywarden'
import { apiKeyAuth, byokRoutes, managementRoutes } from 'keywarden/hono'
import { openApiDocument } from 'keywarden/openapi'
import type { Vault } from 'keywarden/vault'

const DEMO_PATH = {
  '/api/demo': {
    get: {
      operationId: 'demo',
      summary: 'A route any valid API key opens (try a key from the dashboard here)',
      responses: {
        '200': {
          description: 'The key is valid',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['message', 'key'],
                properties: { message: { type: 'string' }, key: { type: 'object' } },
              },
            },
          },
        },
        '401': { $ref: '#/components/responses/Unauthorized' },
      },
    },
  },
}

export interface ApiRoutesOptions {
  warden: Keywarden
  vault: Vault
  onError?: (error: unknown) => void
}

/**
 * The JSON side of the server: the management API (admin keys only), each key owner's provider
 * keys, a demo route any valid key opens, and the OpenAPI document describing them.
 */
export function apiRoutes({ warden, vault, onError }: ApiRoutesOptions): Hono {
  const app = new Hono()
  const auth = apiKeyAuth({ warden })
  const base = openApiDocument({
    title: 'keywarden server',
    basePath: '/api/keys',
    byokBasePath: '/api/byok',
  })
  const document = { ...base, paths: { ...base.paths, ...DEMO_PATH } }

  app.get('/openapi.json', (c) => c.json(document))

  app.route('/api/keys', managementRoutes({ warden, onError }))

  // Provider keys belong to the owner of the API key that calls (or to the key itself).
  app.use('/api/byok', auth)
  app.use('/api/byok/*', auth)
  app.route(
    '/api/byok',
    byokRoutes({
      vault,
      identify: (c) => {
        const key = c.get('apiKey')
        return key ? { userId: key.ownerId ?? `key:${key.id}` } : null
      },
      onError,
    }),
  )

  app.get('/api/demo', auth, (c) => {
    const key = c.get('apiKey')
    c.header('Cache-Control', 'no-store')
    return c.json({
      message: `Hello, ${key.name}! Your key is valid.`,
      key: { id: key.id, name: key.name, ownerId: key.ownerId, scopes: key.scopes, start: key.start },
    })
  })
  return app
}
