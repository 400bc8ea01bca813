/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Child, FC } from 'hono/jsx'
import { NAV } from '../nav.js'
import { Layout } from './layout.js'

export interface Flash {
  kind: 'success' | 'error'
  message: string
}

export interface ShellProps {
  title: string
  /** The request path: the nav entry it matches is marked current. */
  path: string
  csrfToken: string
  signedInAs: string
  flash?: Flash | undefined
  children?: Child
}

/**
 * Every signed-in page: a sticky header with the nav and the toast region, then the page. Toasts
 * are a row of the header (in the flow, not over the page), so they never cover a button.
 */
export const Shell: FC<ShellProps> = ({ title, path, csrfToken, signedInAs, flash, children }) => (
  <Layout title={`${title} · keywarden`} csrfToken={csrfToken}>
    <header class="top">
      <div class="bar">
        <a class="brand" href="/">
          keywarden
        </a>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map((item) => (
              <li>
                <a href={item.href} aria-current={item.match(path) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="signed-in">
            Signed in with <code>{signedInAs}…</code>
          </span>
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={csrfToken} />
            <button type="submit" class="small">
              Sign out
            </button>
          </form>
        </div>
      </div>
      <div id="toasts" aria-live="polite" />
    </header>
    {flash ? <span data-initial-toast={flash.message} data-kind={flash.kind} /> : null}
    <main>{children}</main>
  </Layout>
)
