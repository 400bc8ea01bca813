/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { CreateKeyForm, KeysPanel, type KeysPanelProps } from './keys.js'
import { Layout } from './layout.js'
import { ProviderCard, type ProviderView } from './providers.js'

export interface Flash {
  kind: 'success' | 'error'
  message: string
}

export interface DashboardPageProps extends KeysPanelProps {
  signedInAs: string
  providers: ProviderView[]
  flash?: Flash | undefined
}

export const DashboardPage: FC<DashboardPageProps> = (props) => (
  <Layout title="keywarden" csrfToken={props.csrfToken}>
    <header class="top">
      <h1>keywarden</h1>
      <div class="who">
        <span>
          Signed in with <code>{props.signedInAs}…</code>
        </span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <button type="submit" class="small">
            Sign out
          </button>
        </form>
      </div>
    </header>
    {props.flash ? <span data-initial-toast={props.flash.message} data-kind={props.flash.kind} /> : null}
    <main>
      <section class="panel" aria-labelledby="issued-title">
        <h2 id="issued-title">Issued keys</h2>
        <p class="lead">Keys your API hands to its clients. Only a hash is stored; the key is shown once.</p>
        <CreateKeyForm csrfToken={props.csrfToken} />
        <KeysPanel
          keys={props.keys}
          sessionKeyId={props.sessionKeyId}
          nextCursor={props.nextCursor}
          shown={props.shown}
          now={props.now}
          csrfToken={props.csrfToken}
        />
      </section>
      <section class="panel" aria-labelledby="providers-title">
        <h2 id="providers-title">Provider keys</h2>
        <p class="lead">
          Your own keys for AI providers (BYOK), encrypted with the server's secret. Only a mask is ever
          shown.
        </p>
        <div class="cards">
          {props.providers.map((provider) => (
            <ProviderCard provider={provider} now={props.now} csrfToken={props.csrfToken} />
          ))}
        </div>
      </section>
    </main>
  </Layout>
)
