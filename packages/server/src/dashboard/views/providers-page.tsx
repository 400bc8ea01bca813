/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { ProviderCard, type ProviderView } from './providers.js'

export const ProvidersPage: FC<{ providers: ProviderView[]; now: Date; csrfToken: string }> = (props) => (
  <section class="panel" aria-labelledby="providers-title">
    <h1 id="providers-title">Provider keys</h1>
    <p class="lead">
      Your own keys for AI providers (BYOK), encrypted with the server's secret. Only a mask is ever shown.
    </p>
    <div class="cards">
      {props.providers.map((provider) => (
        <ProviderCard provider={provider} now={props.now} csrfToken={props.csrfToken} />
      ))}
    </div>
  </section>
)
