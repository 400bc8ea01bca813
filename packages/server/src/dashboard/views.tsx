/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Child, FC } from 'hono/jsx'
import type { ApiKeyRecord } from 'keywarden'
import { EXPIRY_CHOICES, fromNow, isoMinute, keyState } from './format.js'
import { describeRateLimit, describeRefill, FORM_BOUNDS, RATE_WINDOWS } from './limits-form.js'

/** A provider card's data: never the plaintext key, only its mask. */
export interface ProviderView {
  id: string
  name: string
  /** RegExp source the key must match (checked in the browser and again on the server). */
  pattern: string | null
  /** What a valid key looks like, e.g. "starts with sk-". */
  hint: string
  secret: { masked: string; createdAt: Date; expiresAt: Date | null } | null
}

export interface ShownKey {
  key: string
  record: ApiKeyRecord
  rolledFrom?: string
}

export interface Flash {
  kind: 'success' | 'error'
  message: string
}

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
})

const Time: FC<{ date: Date | null; now: Date; never?: string }> = ({ date, now, never = '—' }) =>
  date ? (
    <time datetime={date.toISOString()} title={isoMinute(date)}>
      {fromNow(date, now)}
    </time>
  ) : (
    <span class="muted">{never}</span>
  )

export const Layout: FC<{ title: string; csrfToken?: string; children?: Child }> = ({
  title,
  csrfToken,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      {csrfToken ? <meta name="csrf-token" content={csrfToken} /> : null}
      <title>{title}</title>
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/assets/dashboard.css" />
      <script src="/assets/htmx.min.js" defer />
      <script src="/assets/dashboard.js" defer />
    </head>
    <body>
      {children}
      <div id="toasts" aria-live="polite" />
    </body>
  </html>
)

export const LoginPage: FC<{ nonceToken: string; error?: string }> = ({ nonceToken, error }) => (
  <Layout title="Sign in · keywarden">
    <main>
      <section class="panel login" aria-labelledby="login-title">
        <h2 id="login-title">Sign in to keywarden</h2>
        <p class="lead">Paste an admin key (scope keywarden:admin). It is checked and never stored.</p>
        {error ? (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        ) : null}
        <form method="post" action="/login">
          <input type="hidden" name="_csrf" value={nonceToken} />
          <label for="admin-key">
            Admin key
            <input
              id="admin-key"
              name="key"
              type="password"
              autocomplete="off"
              required
              spellcheck={false}
              aria-describedby={error ? 'login-error' : undefined}
            />
          </label>
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </section>
    </main>
  </Layout>
)

const NewKeyPanel: FC<{ shown: ShownKey }> = ({ shown }) => (
  <section class="once" aria-labelledby="new-key-title">
    <h3 id="new-key-title">
      {shown.rolledFrom ? `Key "${shown.record.name}" rolled` : `Key "${shown.record.name}" created`}
    </h3>
    <p class="muted">Copy it now: only its hash is stored, so it will not be shown again.</p>
    <div class="row">
      <label for="new-key-value" class="sr-only">
        New API key
      </label>
      <input id="new-key-value" readonly value={shown.key} spellcheck={false} autocomplete="off" />
      <button type="button" class="primary" data-copy="new-key-value">
        Copy
      </button>
      <button type="button" data-dismiss="new-key">
        Done
      </button>
    </div>
  </section>
)

/** Credits left (with their refill) and each rate limit, or "none". */
const KeyLimits: FC<{ record: ApiKeyRecord }> = ({ record }) => {
  if (record.remaining === null && record.rateLimits.length === 0) return <span class="muted">none</span>
  return (
    <>
      {record.remaining === null ? null : (
        <span class="limit" title={record.refill ? `refills ${describeRefill(record.refill)}` : undefined}>
          {record.remaining.toLocaleString('en-US')} credits
          {record.refill ? <span class="muted"> · {describeRefill(record.refill)}</span> : null}
        </span>
      )}
      {record.rateLimits.map((rule) => (
        <span class="limit" title={rule.name}>
          {describeRateLimit(rule)}
        </span>
      ))}
    </>
  )
}

const KeyRow: FC<{ record: ApiKeyRecord; now: Date; csrfToken: string; own: boolean }> = ({
  record,
  now,
  csrfToken,
  own,
}) => {
  const state = keyState(record, now)
  const base = `/dashboard/keys/${encodeURIComponent(record.id)}`
  const action = (verb: string, label: string, confirm: string, cls = 'small') => (
    <form
      method="post"
      action={`${base}/${verb}`}
      hx-post={`${base}/${verb}`}
      hx-target="#keys-panel"
      hx-swap="outerHTML"
      hx-confirm={confirm}
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class={cls} aria-label={`${label} key ${record.name}`}>
        {label}
      </button>
    </form>
  )
  return (
    <tr id={`key-${record.id}`} data-key-id={record.id}>
      <td>{record.name}</td>
      <td>
        <code>{record.start}…</code>
      </td>
      <td>{record.ownerId ?? <span class="muted">—</span>}</td>
      <td>
        {record.scopes.length > 0 ? (
          record.scopes.map((scope) => <span class="scope">{scope}</span>)
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      <td>
        <KeyLimits record={record} />
      </td>
      <td>
        <Time date={record.lastUsedAt} now={now} never="never" />
      </td>
      <td>
        <Time date={record.expiresAt} now={now} never="never" />
      </td>
      <td>
        <span class={`state state-${state}`}>{state}</span>
      </td>
      <td>
        <div class="actions">
          {own ? (
            <span class="muted">your session</span>
          ) : (
            <>
              {state === 'active'
                ? action(
                    'revoke',
                    'Revoke',
                    `Revoke "${record.name}"? Clients using it are rejected at once.`,
                  )
                : null}
              {state === 'active'
                ? action(
                    'roll',
                    'Roll',
                    `Roll "${record.name}"? A new key replaces it; the old one stops working.`,
                  )
                : null}
              {action(
                'delete',
                'Delete',
                `Delete "${record.name}" for good? This cannot be undone.`,
                'small danger',
              )}
            </>
          )}
        </div>
      </td>
    </tr>
  )
}

export interface KeysPanelProps {
  keys: ApiKeyRecord[]
  /** The admin key of this session: it cannot revoke, roll or delete itself. */
  sessionKeyId: string
  nextCursor: string | null
  shown?: ShownKey | undefined
  now: Date
  csrfToken: string
}

export const KeysPanel: FC<KeysPanelProps> = ({ keys, sessionKeyId, nextCursor, shown, now, csrfToken }) => (
  <div id="keys-panel">
    <div id="new-key">{shown ? <NewKeyPanel shown={shown} /> : null}</div>
    {keys.length === 0 ? (
      <p class="empty">No issued keys yet. Create one above.</p>
    ) : (
      <table>
        <caption class="sr-only">Issued keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Start</th>
            <th scope="col">Owner</th>
            <th scope="col">Scopes</th>
            <th scope="col">Limits</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((record) => (
            <KeyRow record={record} now={now} csrfToken={csrfToken} own={record.id === sessionKeyId} />
          ))}
        </tbody>
      </table>
    )}
    {nextCursor ? (
      <p class="pager">
        <a href={`/?cursor=${encodeURIComponent(nextCursor)}`}>Older keys →</a>
      </p>
    ) : null}
  </div>
)

const CreateKeyForm: FC<{ csrfToken: string }> = ({ csrfToken }) => (
  <form
    class="grid"
    method="post"
    action="/dashboard/keys"
    hx-post="/dashboard/keys"
    hx-target="#keys-panel"
    hx-swap="outerHTML"
    data-reset
  >
    <input type="hidden" name="_csrf" value={csrfToken} />
    <label for="key-name">
      Name
      <input
        id="key-name"
        name="name"
        required
        maxlength={FORM_BOUNDS.nameMaxLength}
        placeholder="billing service"
      />
    </label>
    <label for="key-owner">
      <span>
        Owner <span class="opt">(optional)</span>
      </span>
      <input
        id="key-owner"
        name="ownerId"
        maxlength={FORM_BOUNDS.ownerMaxLength}
        placeholder="team-billing"
      />
    </label>
    <label for="key-scopes">
      <span>
        Scopes <span class="opt">(space or comma separated)</span>
      </span>
      <input id="key-scopes" name="scopes" placeholder="users:read invoices:write" />
    </label>
    <label for="key-expiry">
      Expires
      <select id="key-expiry" name="expiry">
        {EXPIRY_CHOICES.map((choice) => (
          <option value={choice.value} selected={choice.value === '90d'}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
    <label for="key-credits">
      <span>
        Credits <span class="opt">(optional; empty = unlimited)</span>
      </span>
      <input
        id="key-credits"
        name="remaining"
        type="number"
        min={FORM_BOUNDS.creditsMin}
        step={1}
        inputmode="numeric"
      />
    </label>
    <label for="key-refill">
      Refill credits
      <select id="key-refill" name="refill">
        <option value="" selected>
          never
        </option>
        <option value="daily">daily (00:00 UTC)</option>
        <option value="monthly">monthly (1st, 00:00 UTC)</option>
      </select>
    </label>
    <label for="key-rate">
      <span>
        Rate limit <span class="opt">(requests; optional)</span>
      </span>
      <input
        id="key-rate"
        name="rateLimit"
        type="number"
        min={FORM_BOUNDS.rateMin}
        step={1}
        inputmode="numeric"
      />
    </label>
    <label for="key-rate-window">
      per
      <select id="key-rate-window" name="rateWindow">
        {RATE_WINDOWS.map((w) => (
          <option value={w.value} selected={w.value === 'minute'}>
            {w.label}
          </option>
        ))}
      </select>
    </label>
    <button type="submit" class="primary">
      Create key
    </button>
  </form>
)

export const ProviderCard: FC<{ provider: ProviderView; now: Date; csrfToken: string }> = ({
  provider,
  now,
  csrfToken,
}) => {
  const { id, name, secret } = provider
  const expired = secret?.expiresAt ? secret.expiresAt.getTime() <= now.getTime() : false
  const inputId = `provider-${id}-key`
  const hintId = `${inputId}-hint`
  const base = `/dashboard/providers/${encodeURIComponent(id)}`
  const defaultHint = provider.hint
  return (
    <article class="card" id={`provider-${id}`} aria-labelledby={`provider-${id}-title`}>
      <h3 id={`provider-${id}-title`}>
        {name}
        {secret ? (
          <span class={`badge ${expired ? 'badge-expired' : 'badge-set'}`}>
            {expired ? 'expired' : 'saved'}
          </span>
        ) : (
          <span class="badge badge-unset">not set</span>
        )}
      </h3>
      {secret ? (
        <dl>
          <dt>Key</dt>
          <dd>
            <code class="masked">{secret.masked}</code>
          </dd>
          <dt>Added</dt>
          <dd>
            <Time date={secret.createdAt} now={now} />
          </dd>
          <dt>Expires</dt>
          <dd>
            <Time date={secret.expiresAt} now={now} never="never" />
          </dd>
        </dl>
      ) : (
        <p class="muted">No key saved for {name}.</p>
      )}
      <form
        method="post"
        action={base}
        hx-post={base}
        hx-target={`#provider-${id}`}
        hx-swap="outerHTML"
        autocomplete="off"
      >
        <input type="hidden" name="_csrf" value={csrfToken} />
        <label for={inputId}>
          {secret ? `Replace ${name} key` : `${name} API key`}
          <input
            id={inputId}
            name="key"
            type="password"
            required
            autocomplete="off"
            spellcheck={false}
            aria-describedby={hintId}
            data-pattern={provider.pattern ?? undefined}
            data-pattern-message={`This is not a ${name} key: ${provider.hint}.`}
          />
          <span class="hint" id={hintId} data-default={defaultHint} aria-live="polite">
            {defaultHint}
          </span>
        </label>
        <div class="buttons">
          <button type="submit" class="primary">
            {secret ? 'Replace' : 'Save'}
          </button>
        </div>
      </form>
      {secret ? (
        <form
          method="post"
          action={`${base}/delete`}
          hx-post={`${base}/delete`}
          hx-target={`#provider-${id}`}
          hx-swap="outerHTML"
          hx-confirm={`Delete the saved ${name} key?`}
        >
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="danger small" aria-label={`Delete ${name} key`}>
            Delete
          </button>
        </form>
      ) : null}
    </article>
  )
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
