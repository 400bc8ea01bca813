import { Hono } from 'hono'
import { describeError, type Keywarden } from 'keywarden'
import { setRequestActor } from '../log/activity.js'
import type { LoginThrottle } from '../login-throttle.js'
import type { SessionManager } from '../session.js'
import { dashboardAnswers, isHtmx, noStore, toastHeader } from './answers.js'
import { keyActions } from './key-actions.js'
import { loginRoutes, sessionLoader, unauthorized } from './login.js'
import { dashboardPages } from './pages.js'
import { providerActions } from './provider-actions.js'
import {
  actorAddress,
  clearCookie,
  csrfProtection,
  formLimit,
  SESSION_COOKIE,
  type ServerEnv,
} from './security.js'
import type { DashboardVault } from './vault-port.js'
import { webhookActions } from './webhook-actions.js'

export { ADMIN_SCOPE } from './login.js'

export interface DashboardOptions {
  warden: Keywarden
  vault: DashboardVault
  /** Adds the /dashboard/webhooks page when given. */
  webhooks?: import('keywarden/webhooks').Webhooks
  sessions: SessionManager
  /** Refuses sign-ins after too many failures, before a key is verified. */
  throttle: LoginThrottle
  now?: () => Date
  /** Session cookie lifetime; match the session manager's ttl. */
  sessionTtlMs?: number
  onError?: (error: unknown) => void
}

/** Sign-in, the dashboard's pages (overview, keys, a page per key, audit log, provider keys) and its actions. Mount at '/'. */
export function dashboardRoutes({
  warden,
  vault,
  webhooks,
  sessions,
  throttle,
  now = () => new Date(),
  sessionTtlMs = 8 * 3600_000,
  onError = (error) => console.error(`keywarden dashboard: ${describeError(error)}`),
}: DashboardOptions): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>()
  const answers = dashboardAnswers({ warden, vault, now, onError })
  const loadSession = sessionLoader({ warden, sessions, now })

  loginRoutes(app, { warden, sessions, throttle, now, sessionTtlMs })

  // Everything below needs a live session, and state changes need the CSRF token. The guards are
  // bound to these paths only: mounted at '/', a '*' guard would also cover /api and /healthz.
  for (const path of ['/', '/logout', '/dashboard/*']) {
    app.use(path, async (c, next) => {
      const session = await loadSession(c)
      if (!session) return unauthorized(c)
      c.set('session', session)
      // Every change this request makes is by this session (the audit log's actor).
      setRequestActor({ type: 'session', id: session.adminKeyId, ...actorAddress(c) })
      return next()
    })
    app.use(path, formLimit(16))
    app.use(
      path,
      csrfProtection((c, reason) => {
        noStore(c)
        c.header(
          'HX-Trigger',
          toastHeader({ kind: 'error', message: `Refused: ${reason}. Reload the page.` }),
        )
        return c.text(`Forbidden: ${reason}. Reload the dashboard and try again.`, 403)
      }),
    )
  }

  app.post('/logout', (c) => {
    clearCookie(c, SESSION_COOKIE)
    noStore(c)
    if (isHtmx(c)) {
      c.header('HX-Redirect', '/login')
      return c.body(null, 204)
    }
    return c.redirect('/login', 303)
  })

  dashboardPages(app, { warden, now, answers })
  keyActions(app, { warden, now, answers })
  providerActions(app, { vault, answers })
  if (webhooks) webhookActions(app, webhooks, { now, answers })
  return app
}
