/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import type { DeliveryAttempt, WebhookEndpoint } from 'keywarden/webhooks'
import { WEBHOOK_EVENT_TYPES } from 'keywarden/webhooks'
import { Time } from './layout.js'

export interface WebhooksPageProps {
  endpoints: Array<{ endpoint: WebhookEndpoint; attempts: DeliveryAttempt[] }>
  csrfToken: string
  now: Date
  /** The new endpoint's secret, shown on the page that answers its creation only. */
  created?: { id: string; secret: string }
  error?: string
}

/** Webhook endpoints: add (secret shown once), delete, and each one's recent deliveries. */
export const WebhooksPage: FC<WebhooksPageProps> = ({ endpoints, csrfToken, now, created, error }) => (
  <section class="container">
    <h1>Webhooks</h1>
    {error ? (
      <p role="alert" class="error">
        {error}
      </p>
    ) : null}
    {created ? (
      <section role="status" class="card" id="webhook-secret">
        <h2>Signing secret for {created.id}</h2>
        <p>Store it now: it is shown once. Receivers check signatures with it.</p>
        <code>{created.secret}</code>
      </section>
    ) : null}
    <section class="card">
      <h2>Add an endpoint</h2>
      <form method="post" action="/dashboard/webhooks">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <label>
          URL <input name="url" type="url" required placeholder="https://example.com/hooks" />
        </label>
        <label>
          Description <input name="description" maxlength={500} />
        </label>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label>
              <input type="checkbox" name="events" value={type} /> {type}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add endpoint</button>
      </form>
    </section>
    {endpoints.length === 0 ? <p class="muted">No endpoints yet.</p> : null}
    {endpoints.map(({ endpoint, attempts }) => (
      <section class="card" id={`webhook-${endpoint.id}`}>
        <h2>{endpoint.url}</h2>
        <p>
          {endpoint.id} · {endpoint.events.join(', ')}
          {endpoint.description ? ` · ${endpoint.description}` : ''}
        </p>
        <form method="post" action={`/dashboard/webhooks/${encodeURIComponent(endpoint.id)}/delete`}>
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit">Delete</button>
        </form>
        <table>
          <caption>Recent deliveries</caption>
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Attempt</th>
              <th>Status</th>
              <th>ms</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr>
                <td>
                  <Time date={a.at} now={now} />
                </td>
                <td>{a.eventType}</td>
                <td>{a.attempt}</td>
                <td>{a.responseStatus ?? a.error ?? '—'}</td>
                <td>{a.durationMs}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    ))}
  </section>
)
