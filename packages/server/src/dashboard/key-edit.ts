import { type ApiKeyRecord, type UpdateKeyInput, ValidationError } from 'keywarden'
import { parseScopes } from './format.js'
import { FORM_BOUNDS, RATE_WINDOWS } from './limits-form.js'
import { EDIT_FIELDS, type FieldErrors, type KeyEditValues } from './views/key-edit-form.js'

const WHOLE = /^\d{1,15}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** A record as the edit form shows it (the first rate limit; expiry as its UTC date). */
export function editValues(record: ApiKeyRecord): KeyEditValues {
  const rule = record.rateLimits[0]
  return {
    name: record.name,
    ownerId: record.ownerId ?? '',
    scopes: record.scopes.join(' '),
    expires: record.expiresAt ? record.expiresAt.toISOString().slice(0, 10) : '',
    remaining: record.remaining === null ? '' : String(record.remaining),
    rateLimit: rule ? String(rule.limit) : '',
    rateWindow: RATE_WINDOWS.find((w) => w.ms === rule?.windowMs)?.value ?? 'minute',
  }
}

/** The submitted form as text, every field present. */
export function submittedValues(body: Record<string, unknown>): KeyEditValues {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '')
  return Object.fromEntries(EDIT_FIELDS.map((f) => [f, text(f)])) as unknown as KeyEditValues
}

const invalid = (field: string, message: string) => new ValidationError(message, { field })

/**
 * The update for what changed: a field left as shown is not sent, so saving a name does not reset
 * the expiry's time of day or race with credits being spent. Throws ValidationError naming the
 * form field; the engine validates the patch again.
 */
export function editPatch(record: ApiKeyRecord, values: KeyEditValues, now: Date): UpdateKeyInput {
  const shown = editValues(record)
  const changed = (f: keyof KeyEditValues) => values[f] !== shown[f]
  const patch: UpdateKeyInput = {}
  if (changed('name')) patch.name = values.name
  if (changed('ownerId')) patch.ownerId = values.ownerId || null
  if (changed('scopes')) patch.scopes = parseScopes(values.scopes)
  if (changed('expires')) {
    if (values.expires !== '' && (!DATE.test(values.expires) || Number.isNaN(Date.parse(values.expires)))) {
      throw invalid('expires', 'Enter the expiry as a date (YYYY-MM-DD), or leave it empty for never')
    }
    const expiresAt = values.expires === '' ? null : new Date(`${values.expires}T00:00:00.000Z`)
    // A past date would end the key at once: that is what Revoke is for.
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw invalid('expires', 'Choose a date after today (UTC), or leave it empty for never')
    }
    patch.expiresAt = expiresAt
  }
  if (changed('remaining')) {
    if (
      values.remaining !== '' &&
      (!WHOLE.test(values.remaining) || Number(values.remaining) < FORM_BOUNDS.creditsMin)
    ) {
      throw invalid(
        'remaining',
        `Credits must be a whole number of ${FORM_BOUNDS.creditsMin} or more, or empty for unlimited`,
      )
    }
    patch.remaining = values.remaining === '' ? null : Number(values.remaining)
  }
  if (changed('rateLimit') || (values.rateLimit !== '' && changed('rateWindow'))) {
    if (values.rateLimit === '') patch.rateLimits = []
    else {
      if (!WHOLE.test(values.rateLimit) || Number(values.rateLimit) < FORM_BOUNDS.rateMin) {
        throw invalid(
          'rateLimit',
          `The rate limit must be a whole number of requests, ${FORM_BOUNDS.rateMin} or more`,
        )
      }
      const window = RATE_WINDOWS.find((w) => w.value === values.rateWindow)
      if (!window) throw invalid('rateWindow', 'Choose a rate-limit window from the list')
      const rest = record.rateLimits.slice(1)
      patch.rateLimits = [
        { name: `per-${window.value}`, limit: Number(values.rateLimit), windowMs: window.ms },
        ...rest,
      ]
    }
  }
  return patch
}

/** Which form field an engine or form error belongs to. */
export function fieldErrors(error: ValidationError): FieldErrors {
  const field = error.field ?? ''
  const map: [string, keyof FieldErrors][] = [
    ['name', 'name'],
    ['ownerId', 'ownerId'],
    ['scopes', 'scopes'],
    ['expiresAt', 'expires'],
    ['expires', 'expires'],
    ['remaining', 'remaining'],
    ['rateLimits', 'rateLimit'],
    ['rateLimit', 'rateLimit'],
    ['rateWindow', 'rateWindow'],
  ]
  const hit = map.find(
    ([prefix]) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`),
  )
  return { [hit ? hit[1] : 'form']: error.message }
}
