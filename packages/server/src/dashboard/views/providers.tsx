/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { Time } from './layout.js'

/** A provider card's data: never the plaintext key, only its mask. */
export interface ProviderView {
  id: string
  name: string
  /** RegExp source the key must match (checked in the browser and again on the server). */
  pattern: string | null
  /** What a valid key looks like, e.g. "starts with sk-". */
  hint: string
  secret: {
    masked: string
    createdAt: Date
    expiresAt: Date | null
    /** This month's usage (UTC), when the vault counts it. */
    usage?: { requests: number; costMicros: number; monthlyBudgetMicros: number | null } | null
  } | null
}

/** Micros (1 unit = 1,000,000) as money: `$1.23`. */
function money(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(micros > 0 && micros < 10_000 ? 4 : 2)}`
}

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
          {secret.usage ? (
            <>
              <dt>This month</dt>
              <dd class="usage">
                {secret.usage.requests} requests, {money(secret.usage.costMicros)}
                {secret.usage.monthlyBudgetMicros !== null
                  ? ` of ${money(secret.usage.monthlyBudgetMicros)} budget`
                  : ''}
              </dd>
            </>
          ) : null}
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
          action={`${base}/check`}
          hx-post={`${base}/check`}
          hx-target={`#provider-${id}-check`}
          hx-swap="innerHTML"
        >
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="small" aria-label={`Test ${name} key`}>
            Test key
          </button>
          <span id={`provider-${id}-check`} aria-live="polite" />
        </form>
      ) : null}
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
