import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { KeyStore, Keywarden } from 'keywarden'
import { describeError } from 'keywarden'
import type { Vault } from 'keywarden/vault'
import type { Webhooks } from 'keywarden/webhooks'
import { apiRoutes } from './api.js'
import { staticAssets } from './assets.js'
import { notFoundPage } from './dashboard/pages.js'
import { dashboardRoutes } from './dashboard/routes.js'
import { type ServerEnv, securityHeaders } from './dashboard/security.js'
import { DEFAULT_GITHUB_KEYS_URL } from './leaks/github-keys.js'
import { type LeakRoutesOptions, leakRoutes } from './leaks/routes.js'
import { currentActivity, recordingVault, recordingWarden } from './log/activity.js'
import { createLogger, type Logger } from './log/logger.js'
import { requestLog } from './log/request-log.js'
import { createLoginThrottle, type LoginThrottleOptions } from './login-throttle.js'
import { createSessionManager } from './session.js'
import { dashboardVault } from './vault-adapter.js'

export interface ServerAppOptions {
  warden: Keywarden
  vault: Vault
  /** Webhook endpoints and their delivery log: mounts /api/webhooks (admin keys). */
  webhooks?: Webhooks
  /** The app secret; dashboard sessions are sealed cookies under a key derived from it (same on every instance). */
  secret: string
  /** Probes the backing stores for /healthz; rejects when one is down. */
  checkHealth: () => Promise<void>
  /** Believe X-Forwarded-Proto from a TLS-terminating proxy (Secure cookies, HSTS). */
  trustProxy?: boolean
  /** Dashboard session lifetime. Default 8 hours. */
  sessionTtlMs?: number
  /** Failed dashboard sign-ins allowed per client address and in total (counted per instance). */
  loginThrottle?: LoginThrottleOptions
  now?: () => Date
  /** The operator log: one line per refused request, change and resolve. Default: text on stderr. */
  logger?: Logger
  /** Unexpected failures. Default: an error line in the logger with the request id. */
  onError?: (error: unknown) => void
  /** The leak endpoints' policy and GitHub keys (KEYWARDEN_LEAK_POLICY, KEYWARDEN_GITHUB_KEYS_URL). */
  leaks?: Partial<Omit<LeakRoutesOptions, 'warden' | 'onError'>>
}

const HEALTH_TIMEOUT_MS = 2000

const settlers = new WeakMap<object, () => Promise<void>>()

/** Resolves when the work an app does after answering (leak reports) is done: await it before closing the stores. */
export function settleBackground(app: object): Promise<void> {
  return settlers.get(app)?.() ?? Promise.resolve()
}

/** Resolves after `checkHealth`, rejects when it fails or takes longer than the timeout. */
function withTimeout(check: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check timed out')), HEALTH_TIMEOUT_MS)
  })
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer))
}

/** A KeyStore health probe: one lookup of an id that never exists. */
export function storeHealthCheck(...stores: Pick<KeyStore, 'getKeyById'>[]): () => Promise<void> {
  return async () => {
    await Promise.all(stores.map((store) => store.getKeyById('keywarden-healthz-probe')))
  }
}

/**
 * The reference server as a Hono app: /healthz, /openapi.json, /api/keys, /api/verify, /api/byok,
 * /api/byok/resolve, /api/demo,
 * /assets and the dashboard at /. `startServer` serves it; tests call `app.request`.
 */
export function createServerApp(options: ServerAppOptions): Hono<ServerEnv> {
  const {
    secret,
    checkHealth,
    trustProxy = false,
    sessionTtlMs = 8 * 3600_000,
    now = () => new Date(),
    logger = createLogger(),
    // describeError only: a driver's stack or SQL text could quote a hash.
    onError = (error) =>
      logger.error({ reqId: currentActivity()?.reqId, error: describeError(error) }, 'error'),
  } = options
  // Every verification and change the routes make is noted for the request's log line.
  const warden = recordingWarden(options.warden)
  const vault = recordingVault(options.vault)
  const sessions = createSessionManager({ secret, ttlMs: sessionTtlMs, now: () => now().getTime() })
  const throttle = createLoginThrottle(options.loginThrottle ?? {}, () => now().getTime())
  const app = new Hono<ServerEnv>()

  app.use('*', requestLog(logger))
  app.use('*', securityHeaders())
  app.use('*', async (c, next) => {
    c.set('trustProxy', trustProxy)
    await next()
  })

  app.get('/healthz', async (c) => {
    c.header('Cache-Control', 'no-store')
    try {
      await withTimeout(checkHealth)
      return c.json({ status: 'ok' })
    } catch (error) {
      onError(error)
      return c.json({ status: 'unavailable', detail: 'a backing store does not answer' }, 503)
    }
  })

  app.get('/assets/:file', (c) => {
    const asset = staticAssets().get(c.req.param('file'))
    if (!asset) return c.notFound()
    c.header('Content-Type', asset.type)
    c.header('Cache-Control', 'public, max-age=3600')
    return c.body(asset.body)
  })

  // Browsers ask for /favicon.ico on pages without a <link rel="icon"> (plain-text error pages).
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301))

  // Before the API: /api/leaks/* take no API key (a signature, or the reported key itself).
  const leaks = leakRoutes({
    githubKeysUrl: DEFAULT_GITHUB_KEYS_URL,
    now: () => now().getTime(),
    ...options.leaks,
    warden,
    onError,
  })
  app.route('/', leaks.app)
  settlers.set(app, leaks.settled)
  app.route('/', apiRoutes({ warden, vault, webhooks: options.webhooks, onError }))
  app.route(
    '/',
    dashboardRoutes({
      warden,
      vault: dashboardVault(vault),
      webhooks: options.webhooks,
      sessions,
      throttle,
      now,
      sessionTtlMs,
      onError,
    }),
  )

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/')) {
      return c.json({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such route' }, 404, {
        'Content-Type': 'application/problem+json',
      })
    }
    return notFoundPage(c)
  })
  app.onError((error, c) => {
    // A deliberate HTTP answer thrown by a middleware (4xx): send it, it is not a server fault.
    if (error instanceof HTTPException && error.status < 500) return error.getResponse()
    onError(error)
    return c.text('Internal error; the server log has the details.', 500)
  })
  return app
}
