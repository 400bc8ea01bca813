/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import type { ApiKeyRecord } from 'keywarden'
import { keyState } from '../format.js'
import { describeRateLimit, describeRefill } from '../limits-form.js'
import { Time } from './layout.js'

export interface ShownKey {
  key: string
  record: ApiKeyRecord
  rolledFrom?: string
}

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
export const KeyLimits: FC<{ record: ApiKeyRecord }> = ({ record }) => {
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
      <td data-label="Name">
        <a href={base}>{record.name}</a>
      </td>
      <td data-label="Start">
        <code>{record.start}…</code>
      </td>
      <td data-label="Owner">{record.ownerId ?? <span class="muted">—</span>}</td>
      <td data-label="Scopes">
        {record.scopes.length > 0 ? (
          record.scopes.map((scope) => <span class="scope">{scope}</span>)
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      <td data-label="Limits">
        <KeyLimits record={record} />
      </td>
      <td data-label="Last used">
        <Time date={record.lastUsedAt} now={now} never="never" />
      </td>
      <td data-label="Expires">
        <Time date={record.expiresAt} now={now} never="never" />
      </td>
      <td data-label="State">
        <span class={`state state-${state}`}>{state}</span>
      </td>
      <td data-label="Actions">
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

export interface KeysPaging {
  offset: number
  limit: number
  total: number
  /** The page's search as a query string without offset ("q=bill&state=active"). */
  search: string
}

/** "/dashboard/keys?q=…&offset=20", or the bare path for the first page without a search. */
export function keysHref(search: string, offset: number): string {
  const params = new URLSearchParams(search)
  if (offset > 0) params.set('offset', String(offset))
  else params.delete('offset')
  const query = params.toString()
  return query ? `/dashboard/keys?${query}` : '/dashboard/keys'
}

const Pager: FC<{ paging: KeysPaging; shown: number }> = ({ paging, shown }) => {
  const { offset, limit, total, search } = paging
  const first = total === 0 ? 0 : offset + 1
  return (
    <nav class="pager" aria-label="Key pages">
      {offset > 0 ? (
        <a href={keysHref(search, Math.max(0, offset - limit))} rel="prev">
          ← Newer
        </a>
      ) : (
        <span class="muted" aria-hidden="true">
          ← Newer
        </span>
      )}
      <span class="count" role="status">
        {first}–{offset + shown} of {total.toLocaleString('en-US')}
      </span>
      {offset + shown < total ? (
        <a href={keysHref(search, offset + limit)} rel="next">
          Older →
        </a>
      ) : (
        <span class="muted" aria-hidden="true">
          Older →
        </span>
      )}
    </nav>
  )
}

export interface KeysPanelProps {
  keys: ApiKeyRecord[]
  /** The admin key of this session: it cannot revoke, roll or delete itself. */
  sessionKeyId: string
  paging: KeysPaging
  shown?: ShownKey | undefined
  now: Date
  csrfToken: string
}

export const KeysPanel: FC<KeysPanelProps> = ({ keys, sessionKeyId, paging, shown, now, csrfToken }) => (
  <div id="keys-panel">
    <div id="new-key">{shown ? <NewKeyPanel shown={shown} /> : null}</div>
    {keys.length === 0 ? (
      <p class="empty">
        {paging.search ? 'No key matches this search.' : 'No issued keys yet. Create one above.'}
      </p>
    ) : (
      <table class="cards-on-phone">
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
    <Pager paging={paging} shown={keys.length} />
  </div>
)
