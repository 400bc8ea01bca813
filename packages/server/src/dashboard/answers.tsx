/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono'
import type { HtmlEscapedString } from 'hono/utils/html'
import { type Keywarden, KeywardenError, NotFoundError, ValidationError } from 'keywarden'
import { searchKeys } from './data.js'
import { keysPageQuery } from './keys-query.js'
import type { ServerEnv } from './security.js'
import type { DashboardVault } from './vault-port.js'
import { KeysPanel, type ShownKey } from './views/keys.js'
import { KeysPage } from './views/keys-page.js'
import { ProviderCard, type ProviderView } from './views/providers.js'
import { ProvidersPage } from './views/providers-page.js'
import { type Flash, Shell } from './views/shell.js'

export type C = Context<ServerEnv>

export function doctype(body: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return Promise.resolve(body).then((html) => `<!doctype html>${html}`)
}

/** HX-Trigger must be a valid header value: JSON with every non-ASCII character escaped. */
export function toastHeader(flash: Flash): string {
  return JSON.stringify({ toast: flash }).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

export const isHtmx = (c: C) => c.req.header('hx-request') === 'true'

export function noStore(c: C): void {
  c.header('Cache-Control', 'no-store')
}

export interface AnswerDeps {
  warden: Keywarden
  vault: DashboardVault
  now: () => Date
  onError: (error: unknown) => void
}

/**
 * How the dashboard answers a signed-in request: the whole page, or for htmx the panel that
 * changed with a toast in HX-Trigger.
 */
export function dashboardAnswers({ warden, vault, now, onError }: AnswerDeps) {
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
          ? {
              masked: secret.masked,
              createdAt: secret.createdAt,
              expiresAt: secret.expiresAt,
              usage: secret.usage ?? null,
            }
          : null,
      }
    })
  }

  /** A signed-in page in the shell (nav, toasts), with the status given. */
  async function shellPage(
    c: C,
    title: string,
    body: HtmlEscapedString | Promise<HtmlEscapedString>,
    { flash, status = 200 }: { flash?: Flash | undefined; status?: number } = {},
  ) {
    const session = c.get('session')
    const admin = await warden.keys.get(session.adminKeyId)
    noStore(c)
    return c.html(
      doctype(
        <Shell
          title={title}
          path={c.req.path}
          csrfToken={session.csrfToken}
          signedInAs={admin?.start ?? 'admin key'}
          flash={flash}
        >
          {body}
        </Shell>,
      ),
      status as 200,
    )
  }

  /** The keys of a keys page: its search from the URL (or, for htmx, from the page that asked). */
  async function keysPanelProps(c: C, shown?: ShownKey) {
    const session = c.get('session')
    const url = isHtmx(c) ? (c.req.header('hx-current-url') ?? c.req.url) : c.req.url
    const { filters, search, offset, limit } = keysPageQuery(url)
    const when = now()
    const page = await searchKeys(warden, {
      ...(filters.query ? { query: filters.query } : {}),
      ...(filters.ownerId ? { ownerId: filters.ownerId } : {}),
      ...(filters.state ? { state: filters.state } : {}),
      offset,
      limit,
    })
    return {
      filters,
      keys: page.items,
      sessionKeyId: session.adminKeyId,
      paging: { offset, limit, total: page.total, search },
      shown,
      now: when,
      csrfToken: session.csrfToken,
    }
  }

  /** The keys page: create form, search and one page of keys. */
  async function renderPage(
    c: C,
    { shown, flash, status = 200 }: { shown?: ShownKey; flash?: Flash; status?: number },
  ) {
    const props = await keysPanelProps(c, shown)
    return shellPage(c, 'Keys', <KeysPage {...props} />, { flash, status })
  }

  async function renderProviders(c: C, { flash, status = 200 }: { flash?: Flash; status?: number } = {}) {
    const session = c.get('session')
    const views = providerViews(await vault.list(session.userId))
    return shellPage(
      c,
      'Provider keys',
      <ProvidersPage providers={views} now={now()} csrfToken={session.csrfToken} />,
      { flash, status },
    )
  }

  /** After a key action: the keys panel for htmx (toast in HX-Trigger), the whole page otherwise. */
  async function keysAnswer(c: C, flash: Flash, shown?: ShownKey, status = 200) {
    if (!isHtmx(c)) return renderPage(c, { shown, flash, status })
    const props = await keysPanelProps(c, shown)
    noStore(c)
    c.header('HX-Trigger', toastHeader(flash))
    return c.html(<KeysPanel {...props} />, status as 200)
  }

  async function providerAnswer(c: C, providerId: string, flash: Flash, status = 200) {
    if (!isHtmx(c)) return renderProviders(c, { flash, status })
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
    if (c.req.path.startsWith('/dashboard/providers')) return renderProviders(c, { flash, status })
    return renderPage(c, { flash, status })
  }

  return { shellPage, renderPage, renderProviders, keysAnswer, providerAnswer, failure }
}

export type DashboardAnswers = ReturnType<typeof dashboardAnswers>
