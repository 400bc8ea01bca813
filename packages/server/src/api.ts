import { Hono } from 'hono'
import type { Keywarden } from 'keywarden'
import { ADMIN_SCOPE, apiKeyAuth, byokRoutes, managementRoutes, requireAnyScope } from 'keywarden/hono'
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

/** What a key needs for /api/byok; an admin key has it implicitly. */
export const BYOK_SCOPE = 'keywarden:byok'

export interface ApiRoutesOptions {
  warden: Keywarden
  vault: Vault
  onError?: (error: unknown) => void
}

/**
 * The JSON side of the server: the management API (admin keys only), each key owner's provider
 * keys (keys with keywarden:byok), a demo route any valid key opens, and the OpenAPI document.
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

  // Provider keys belong to the owner of the API key that calls (or to the key itself), and only
  // keys granted keywarden:byok may touch them: any other key of the owner is refused.
  const byokScope = requireAnyScope(BYOK_SCOPE, ADMIN_SCOPE)
  for (const path of ['/api/byok', '/api/byok/*']) app.use(path, auth, byokScope)
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
