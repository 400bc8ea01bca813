/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { FORM_BOUNDS, RATE_WINDOWS } from '../limits-form.js'

/** The edit form's fields as text, as shown and as submitted. */
export interface KeyEditValues {
  name: string
  ownerId: string
  scopes: string
  expires: string
  remaining: string
  rateLimit: string
  rateWindow: string
}

export const EDIT_FIELDS = [
  'name',
  'ownerId',
  'scopes',
  'expires',
  'remaining',
  'rateLimit',
  'rateWindow',
] as const

/** Field name → message; `form` holds an error that belongs to no single field. */
export type FieldErrors = Partial<Record<(typeof EDIT_FIELDS)[number] | 'form', string>>

interface FieldProps {
  id: string
  name: keyof KeyEditValues
  label: string
  hint?: string
  values: KeyEditValues
  errors: FieldErrors
  type?: string
  maxlength?: number
  min?: number
}

/** A labelled input with its error right below it (aria-invalid and aria-describedby point at it). */
const Field: FC<FieldProps> = ({ id, name, label, hint, values, errors, type = 'text', maxlength, min }) => {
  const error = errors[name]
  return (
    <label for={id}>
      <span>
        {label} {hint ? <span class="opt">({hint})</span> : null}
      </span>
      <input
        id={id}
        name={name}
        type={type}
        value={values[name]}
        maxlength={maxlength}
        min={min}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <span class="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </label>
  )
}

export const KeyEditForm: FC<{
  keyId: string
  values: KeyEditValues
  errors: FieldErrors
  csrfToken: string
}> = ({ keyId, values, errors, csrfToken }) => {
  const common = { values, errors }
  return (
    <form
      class="grid edit"
      id="edit-form"
      method="post"
      action={`/dashboard/keys/${encodeURIComponent(keyId)}/edit`}
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      {errors.form ? (
        <p class="field-error form-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <Field id="edit-name" name="name" label="Name" maxlength={FORM_BOUNDS.nameMaxLength} {...common} />
      <Field id="edit-owner" name="ownerId" label="Owner" hint="empty = none" {...common} />
      <Field id="edit-scopes" name="scopes" label="Scopes" hint="space separated" {...common} />
      <Field
        id="edit-expires"
        name="expires"
        label="Expires"
        hint="UTC date; empty = never"
        type="date"
        {...common}
      />
      <Field
        id="edit-credits"
        name="remaining"
        label="Credits"
        hint="empty = unlimited"
        type="number"
        min={FORM_BOUNDS.creditsMin}
        {...common}
      />
      <Field
        id="edit-rate"
        name="rateLimit"
        label="Rate limit"
        hint="requests; empty = none"
        type="number"
        min={FORM_BOUNDS.rateMin}
        {...common}
      />
      <label for="edit-rate-window">
        per
        <select id="edit-rate-window" name="rateWindow">
          {RATE_WINDOWS.map((w) => (
            <option value={w.value} selected={w.value === values.rateWindow}>
              {w.label}
            </option>
          ))}
        </select>
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Save changes
        </button>
      </div>
    </form>
  )
}
