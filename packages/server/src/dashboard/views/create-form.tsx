/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { EXPIRY_CHOICES } from '../format.js'
import { FORM_BOUNDS, RATE_WINDOWS } from '../limits-form.js'

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
