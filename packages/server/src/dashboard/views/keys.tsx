/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import type { ApiKeyRecord } from 'keywarden'
import { EXPIRY_CHOICES, keyState } from '../format.js'
import { describeRateLimit, describeRefill, FORM_BOUNDS, RATE_WINDOWS } from '../limits-form.js'
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

export const CreateKeyForm: FC<{ csrfToken: string }> = ({ csrfToken }) => (
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
