/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono'
import type { HtmlEscapedString } from 'hono/utils/html'
import { type Keywarden, KeywardenError, NotFoundError, ValidationError } from 'keywarden'
import type { ServerEnv } from './security.js'
import type { DashboardVault } from './vault-port.js'
import { KeysPanel, type ShownKey } from './views/keys.js'
import { DashboardPage, type Flash } from './views/page.js'
import { ProviderCard, type ProviderView } from './views/providers.js'

export type C = Context<ServerEnv>

const PAGE_SIZE = 50

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

  return { renderPage, keysAnswer, providerAnswer, failure }
}

export type DashboardAnswers = ReturnType<typeof dashboardAnswers>
