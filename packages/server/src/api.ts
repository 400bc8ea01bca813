import { Hono } from 'hono'
import type { Keywarden } from 'keywarden'
import {
  ADMIN_SCOPE,
  apiKeyAuth,
  byokRoutes,
  managementRoutes,
  reportRoutes,
  requireAnyScope,
  verifyRoutes,
} from 'keywarden/hono'
import { openApiDocument, withVerifyRoute } from 'keywarden/openapi'
import type { Vault } from 'keywarden/vault'
import type { Webhooks } from 'keywarden/webhooks'
import { checkRoute } from './byok-check.js'
import { LEAK_PATHS } from './leaks/openapi.js'
import { resolveRoute } from './resolve.js'
import { CHECK_PATH, RESOLVE_PATH } from './resolve-openapi.js'
import { WEBHOOK_PATHS } from './webhooks/openapi.js'
import { webhookRoutes } from './webhooks/routes.js'

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
  /** Mounts /api/webhooks (admin keys) when given. */
  webhooks?: Webhooks
  onError: (error: unknown) => void
}

/**
 * The JSON side of the server: the management API (admin keys only), each key owner's provider
 * keys (keys with keywarden:byok), the service routes for other backends (verify any key with
 * keywarden:verify, read an owner's provider key with keywarden:resolve), a demo route any valid
 * key opens, and the OpenAPI document.
 */
export function apiRoutes({ warden, vault, webhooks, onError }: ApiRoutesOptions): Hono {
  const app = new Hono()
  const auth = apiKeyAuth({ warden })
  const base = withVerifyRoute(
    openApiDocument({
      title: 'keywarden server',
      basePath: '/api/keys',
      byokBasePath: '/api/byok',
      reportBasePath: '/api',
    }),
    '/api/verify',
  )
  const document = {
    ...base,
    paths: {
      ...base.paths,
      ...RESOLVE_PATH,
      ...CHECK_PATH,
      ...DEMO_PATH,
      ...LEAK_PATHS,
      ...(webhooks ? WEBHOOK_PATHS : {}),
    },
  }

  app.get('/openapi.json', (c) => c.json(document))

  app.route('/api/keys', managementRoutes({ warden, onError }))
  // GET /api/usage and GET /api/audit: admin keys only, like /api/keys.
  app.route('/api', reportRoutes({ warden, onError }))
  app.route('/api/verify', verifyRoutes({ warden, onError }))
  if (webhooks) app.route('/', webhookRoutes({ warden, webhooks, onError }))
  // Before the /api/byok guard below: a resolving service needs keywarden:resolve, not keywarden:byok.
  app.route('/', resolveRoute({ warden, vault, onError }))

  // Provider keys belong to the owner of the API key that calls (or to the key itself), and only
  // keys granted keywarden:byok may touch them: any other key of the owner is refused.
  const byokScope = requireAnyScope(BYOK_SCOPE, ADMIN_SCOPE)
  for (const path of ['/api/byok', '/api/byok/*']) app.use(path, auth, byokScope)
  app.route('/', checkRoute({ vault, onError }))
  app.route(
    '/api/byok',
    byokRoutes({
      vault,
      identify: (c) => {
        const key = c.get('apiKey')
        // The audit log names the calling key as the actor of its provider-key changes.
        return key ? { userId: key.ownerId ?? `key:${key.id}`, actor: { type: 'key', id: key.id } } : null
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
