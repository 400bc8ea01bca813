/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { HtmlEscapedString } from 'hono/utils/html'
import { describeError, type Keywarden, KeywardenError, NotFoundError, ValidationError } from 'keywarden'
import { contentTooLarge, tooManyRequests, toResponse } from 'keywarden/hono'
import type { LoginThrottle } from '../login-throttle.js'
import type { DashboardSession, SessionManager } from '../session.js'
import { EXPIRY_CHOICES, parseScopes } from './format.js'
import { limitsFromForm } from './limits-form.js'
import {
  clearCookie,
  clientAddress,
  csrfProtection,
  isSameOrigin,
  LOGIN_COOKIE,
  readCookie,
  SESSION_COOKIE,
  type ServerEnv,
  writeCookie,
} from './security.js'
import type { DashboardVault } from './vault-port.js'
import {
  DashboardPage,
  type Flash,
  KeysPanel,
  LoginPage,
  ProviderCard,
  type ProviderView,
  type ShownKey,
} from './views.js'

export const ADMIN_SCOPE = 'keywarden:admin'

export interface DashboardOptions {
  warden: Keywarden
  vault: DashboardVault
  sessions: SessionManager
  /** Refuses sign-ins after too many failures, before a key is verified. */
  throttle: LoginThrottle
  now?: () => Date
  /** Session cookie lifetime; match the session manager's ttl. */
  sessionTtlMs?: number
  onError?: (error: unknown) => void
}

type C = Context<ServerEnv>

const LOGIN_TTL_SECONDS = 600

/** Refuses a form body over `kib` KiB with a 413 problem (Hono's default would throw). */
function formLimit(kib: number) {
  const tooLarge = contentTooLarge(`The form may be at most ${kib} KiB.`)
  return bodyLimit({ maxSize: kib * 1024, onError: () => toResponse(tooLarge) })
}
const PAGE_SIZE = 50

function doctype(body: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return Promise.resolve(body).then((html) => `<!doctype html>${html}`)
}

/** HX-Trigger must be a valid header value: JSON with every non-ASCII character escaped. */
function toastHeader(flash: Flash): string {
  return JSON.stringify({ toast: flash }).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

const isHtmx = (c: C) => c.req.header('hx-request') === 'true'

function noStore(c: C): void {
  c.header('Cache-Control', 'no-store')
}

/** Sign-in, the dashboard page and its htmx actions. Mount at '/'. */
export function dashboardRoutes({
  warden,
  vault,
  sessions,
  throttle,
  now = () => new Date(),
  sessionTtlMs = 8 * 3600_000,
  onError = (error) => console.error(`keywarden dashboard: ${describeError(error)}`),
}: DashboardOptions): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>()

  function providerViews(secrets: Awaited<ReturnType<DashboardVault['list']>>): ProviderView[] {
    const byProvider = new Map(secrets.map((s) => [s.provider, s]))
    return vault.providers().map((p) => {
      const secret = byProvider.get(p.id)
      return {
        id: p.id,
        name: p.name,
        pattern: p.pattern?.source ?? null,
        hint: p.hint,
        secret: secret
          ? { masked: secret.masked, createdAt: secret.createdAt, expiresAt: secret.expiresAt }
          : null,
      }
    })
  }

  async function renderPage(
    c: C,
    { shown, flash, status = 200 }: { shown?: ShownKey; flash?: Flash; status?: number },
  ) {
    const session = c.get('session')
    const cursor = c.req.query('cursor') ?? null
    const [page, secrets, admin] = await Promise.all([
      warden.keys.list({ limit: PAGE_SIZE, cursor }),
      vault.list(session.userId),
      warden.keys.get(session.adminKeyId),
    ])
    noStore(c)
    return c.html(
      doctype(
        <DashboardPage
          keys={page.items}
          sessionKeyId={session.adminKeyId}
          nextCursor={page.nextCursor}
          shown={shown}
          now={now()}
          csrfToken={session.csrfToken}
          signedInAs={admin?.start ?? 'admin key'}
          providers={providerViews(secrets)}
          flash={flash}
        />,
      ),
      status as 200,
    )
  }

  /** After a key action: the keys panel for htmx (toast in HX-Trigger), the whole page otherwise. */
  async function keysAnswer(c: C, flash: Flash, shown?: ShownKey, status = 200) {
    if (!isHtmx(c)) return renderPage(c, { shown, flash, status })
    const page = await warden.keys.list({ limit: PAGE_SIZE })
    noStore(c)
    c.header('HX-Trigger', toastHeader(flash))
    return c.html(
      <KeysPanel
        keys={page.items}
        sessionKeyId={c.get('session').adminKeyId}
        nextCursor={page.nextCursor}
        shown={shown}
        now={now()}
        csrfToken={c.get('session').csrfToken}
      />,
      status as 200,
    )
  }

  async function providerAnswer(c: C, providerId: string, flash: Flash, status = 200) {
    if (!isHtmx(c)) return renderPage(c, { flash, status })
    const session = c.get('session')
    const view = providerViews(await vault.list(session.userId)).find((p) => p.id === providerId)
    noStore(c)
    c.header('HX-Trigger', toastHeader(flash))
    if (!view) return c.body(null, 204)
    return c.html(<ProviderCard provider={view} now={now()} csrfToken={session.csrfToken} />, status as 200)
  }

  /** Errors of an action become a toast; only KeywardenError messages are shown (they hold no secret). */
  function failure(c: C, error: unknown) {
    let status = 500
    let message = 'Something went wrong; the server log has the details.'
    if (error instanceof ValidationError) {
      status = 422
      message = error.message
    } else if (error instanceof NotFoundError) {
      status = 404
      message = error.message
    } else if (error instanceof KeywardenError && error.code === 'ERR_CONFLICT') {
      status = 409
      message = error.message
    } else {
      onError(error)
    }
    const flash: Flash = { kind: 'error', message }
    noStore(c)
    c.header('HX-Trigger', toastHeader(flash))
    if (isHtmx(c)) return c.body(null, status as 500)
    return renderPage(c, { flash, status })
  }

  function unauthorized(c: C) {
    noStore(c)
    if (isHtmx(c)) {
      c.header('HX-Redirect', '/login')
      return c.body(null, 401)
    }
    return c.redirect('/login', 303)
  }

  function renderLogin(c: C, error?: string, status = 200) {
    const nonce = readCookie(c, LOGIN_COOKIE) ?? randomBytes(24).toString('base64url')
    writeCookie(c, LOGIN_COOKIE, nonce, LOGIN_TTL_SECONDS)
    noStore(c)
    return c.html(doctype(<LoginPage nonceToken={sessions.loginToken(nonce)} error={error} />), status as 200)
  }

  // A session is live only while its admin key still verifies: revoking the key signs it out on
  // every instance (sessions are sealed cookies; the key is looked up by id on each request).
  async function loadSession(c: C): Promise<DashboardSession | null> {
    const session = sessions.read(readCookie(c, SESSION_COOKIE))
    if (!session) return null
    const admin = await warden.keys.get(session.adminKeyId)
    const at = now().getTime()
    if (
      !admin ||
      admin.revokedAt ||
      (admin.expiresAt && admin.expiresAt.getTime() <= at) ||
      !admin.scopes.includes(ADMIN_SCOPE)
    ) {
      return null
    }
    return session
  }

  app.get('/login', async (c) => {
    if (await loadSession(c)) return c.redirect('/', 303)
    return renderLogin(c)
  })

  app.post('/login', formLimit(8), async (c) => {
    if (!isSameOrigin(c)) return c.text('Forbidden: cross-origin sign-in refused.', 403)
    const address = clientAddress(c)
    const wait = throttle.retryAfterMs(address)
    if (wait > 0) return toResponse(tooManyRequests('Too many failed sign-ins.', wait))
    const body = await c.req.parseBody()
    if (!sessions.checkLoginToken(readCookie(c, LOGIN_COOKIE), body._csrf)) {
      return renderLogin(c, 'The sign-in form expired. Please try again.', 403)
    }
    const result = await warden.keys.verify(body.key, { scopes: [ADMIN_SCOPE] })
    if (!result.valid) {
      throttle.failed(address)
      const reason =
        result.code === 'INSUFFICIENT_SCOPES'
          ? `That key lacks the ${ADMIN_SCOPE} scope.`
          : result.code === 'REVOKED' || result.code === 'EXPIRED'
            ? `That key is ${result.code === 'REVOKED' ? 'revoked' : 'expired'}.`
            : 'That is not a valid admin key.'
      return renderLogin(c, reason, 401)
    }
    const userId = result.key.ownerId ?? `key:${result.key.id}`
    // A fresh sealed session on every sign-in replaces whatever cookie was planted before it.
    const { cookie } = sessions.create(result.key.id, userId)
    writeCookie(c, SESSION_COOKIE, cookie, Math.floor(sessionTtlMs / 1000))
    clearCookie(c, LOGIN_COOKIE)
    noStore(c)
    return c.redirect('/', 303)
  })

  // Everything below needs a live session, and state changes need the CSRF token. The guards are
  // bound to these paths only: mounted at '/', a '*' guard would also cover /api and /healthz.
  const guarded = app
  for (const path of ['/', '/logout', '/dashboard/*']) {
    guarded.use(path, async (c, next) => {
      const session = await loadSession(c)
      if (!session) return unauthorized(c)
      c.set('session', session)
      return next()
    })
    guarded.use(path, formLimit(16))
    guarded.use(
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

  guarded.get('/', async (c) => {
    try {
      return await renderPage(c, {})
    } catch (error) {
      // A stale or hand-edited ?cursor= is not worth an error page: start from the newest keys.
      if (error instanceof ValidationError && c.req.query('cursor') !== undefined) return c.redirect('/', 303)
      throw error
    }
  })

  guarded.post('/logout', (c) => {
    clearCookie(c, SESSION_COOKIE)
    noStore(c)
    if (isHtmx(c)) {
      c.header('HX-Redirect', '/login')
      return c.body(null, 204)
    }
    return c.redirect('/login', 303)
  })

  guarded.post('/dashboard/keys', async (c) => {
    try {
      const body = await c.req.parseBody()
      const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '')
      const choice = EXPIRY_CHOICES.find((e) => e.value === text('expiry'))
      if (!choice) throw new ValidationError('choose an expiry from the list', { field: 'expiry' })
      const created = await warden.keys.create({
        name: text('name'),
        ownerId: text('ownerId') || null,
        scopes: parseScopes(text('scopes')),
        expiresAt: choice.ms === null ? null : new Date(now().getTime() + choice.ms),
        ...limitsFromForm(text),
      })
      return keysAnswer(c, { kind: 'success', message: `Key "${created.record.name}" created.` }, created)
    } catch (error) {
      return failure(c, error)
    }
  })

  function notOwnKey(c: C, id: string, verb: string): void {
    if (id === c.get('session').adminKeyId) {
      throw new ValidationError(
        `you are signed in with this key; sign in with another admin key to ${verb} it`,
        { field: 'id' },
      )
    }
  }

  guarded.post('/dashboard/keys/:id/revoke', async (c) => {
    try {
      const id = c.req.param('id')
      notOwnKey(c, id, 'revoke')
      const record = await warden.keys.revoke(id)
      return keysAnswer(c, { kind: 'success', message: `Key "${record.name}" revoked.` })
    } catch (error) {
      return failure(c, error)
    }
  })

  guarded.post('/dashboard/keys/:id/roll', async (c) => {
    try {
      const id = c.req.param('id')
      notOwnKey(c, id, 'roll')
      const rolled = await warden.keys.roll(id)
      return keysAnswer(
        c,
        { kind: 'success', message: `Key "${rolled.record.name}" rolled.` },
        {
          ...rolled,
          rolledFrom: rolled.previous.id,
        },
      )
    } catch (error) {
      return failure(c, error)
    }
  })

  guarded.post('/dashboard/keys/:id/delete', async (c) => {
    try {
      const id = c.req.param('id')
      notOwnKey(c, id, 'delete')
      const record = await warden.keys.get(id)
      await warden.keys.delete(id)
      return keysAnswer(c, { kind: 'success', message: `Key "${record?.name ?? id}" deleted.` })
    } catch (error) {
      return failure(c, error)
    }
  })

  function knownProvider(id: string) {
    const provider = vault.providers().find((p) => p.id === id)
    if (!provider) throw new NotFoundError(`no provider "${id}"; pick one of the cards`)
    return provider
  }

  guarded.post('/dashboard/providers/:provider', async (c) => {
    const id = c.req.param('provider')
    try {
      const provider = knownProvider(id)
      const body = await c.req.parseBody()
      const key = typeof body.key === 'string' ? body.key.trim() : ''
      if (key === '') throw new ValidationError(`paste your ${provider.name} key first`, { field: 'key' })
      if (provider.pattern && !provider.pattern.test(key)) {
        throw new ValidationError(`this is not a ${provider.name} key: ${provider.hint}`, { field: 'key' })
      }
      const had = (await vault.list(c.get('session').userId)).some((s) => s.provider === id)
      await vault.set(c.get('session').userId, id, key)
      return providerAnswer(c, id, {
        kind: 'success',
        message: `${provider.name} key ${had ? 'replaced' : 'saved'}.`,
      })
    } catch (error) {
      return failure(c, error)
    }
  })

  guarded.post('/dashboard/providers/:provider/delete', async (c) => {
    const id = c.req.param('provider')
    try {
      const provider = knownProvider(id)
      const deleted = await vault.delete(c.get('session').userId, id)
      if (!deleted) throw new NotFoundError(`no ${provider.name} key is saved`)
      return providerAnswer(c, id, { kind: 'success', message: `${provider.name} key deleted.` })
    } catch (error) {
      return failure(c, error)
    }
  })

  return app
}
