import { type RateLimitRule, type Refill, ValidationError } from 'keywarden'
import { openApiDocument } from 'keywarden/openapi'

/** Rate-limit windows the create form offers. */
export const RATE_WINDOWS: { value: string; label: string; ms: number }[] = [
  { value: 'second', label: 'second', ms: 1000 },
  { value: 'minute', label: 'minute', ms: 60_000 },
  { value: 'hour', label: 'hour', ms: 3_600_000 },
  { value: 'day', label: 'day', ms: 86_400_000 },
]

export interface FormLimits {
  remaining?: number
  refill?: Refill
  rateLimits?: RateLimitRule[]
}

const WHOLE = /^\d{1,15}$/

type Schema = { maxLength?: number; minimum?: number; items?: Schema; properties?: Record<string, Schema> }

function bound(schema: Schema | undefined, keyword: 'maxLength' | 'minimum', field: string): number {
  const value = schema?.[keyword]
  if (typeof value !== 'number') throw new Error(`keywarden's key schema gives ${field} no ${keyword}`)
  return value
}

const fields = (openApiDocument().components.schemas.CreateKeyInput as Schema).properties ?? {}

/** The create form's HTML bounds, from the published key schema the engine checks against. */
export const FORM_BOUNDS = {
  nameMaxLength: bound(fields.name, 'maxLength', 'name'),
  ownerMaxLength: bound(fields.ownerId, 'maxLength', 'ownerId'),
  creditsMin: bound(fields.remaining, 'minimum', 'remaining'),
  rateMin: bound(fields.rateLimits?.items?.properties?.limit, 'minimum', 'rateLimits[].limit'),
}

/**
 * The create form's limit fields: credits (empty = unlimited), a daily or monthly refill to that
 * many credits, and one rate limit of N requests per second/minute/hour/day. The engine
 * validates the result again.
 */
export function limitsFromForm(text: (name: string) => string): FormLimits {
  const limits: FormLimits = {}
  const credits = text('remaining')
  if (credits !== '') {
    if (!WHOLE.test(credits) || Number(credits) < FORM_BOUNDS.creditsMin) {
      throw new ValidationError(
        `Credits must be a whole number of ${FORM_BOUNDS.creditsMin} or more, or empty for unlimited`,
        { field: 'remaining' },
      )
    }
    limits.remaining = Number(credits)
  }
  const refill = text('refill')
  if (refill !== '') {
    if (refill !== 'daily' && refill !== 'monthly') {
      throw new ValidationError('choose a refill from the list', { field: 'refill' })
    }
    if (limits.remaining === undefined) {
      throw new ValidationError('A refill needs credits: enter how many credits it refills to', {
        field: 'refill',
      })
    }
    limits.refill = { amount: limits.remaining, interval: refill }
  }
  const rate = text('rateLimit')
  if (rate !== '') {
    if (!WHOLE.test(rate) || Number(rate) < FORM_BOUNDS.rateMin) {
      throw new ValidationError(
        `The rate limit must be a whole number of requests, ${FORM_BOUNDS.rateMin} or more`,
        { field: 'rateLimit' },
      )
    }
    const window = RATE_WINDOWS.find((w) => w.value === text('rateWindow'))
    if (!window)
      throw new ValidationError('choose a rate-limit window from the list', { field: 'rateWindow' })
    limits.rateLimits = [{ name: `per-${window.value}`, limit: Number(rate), windowMs: window.ms }]
  }
  return limits
}

const WINDOW_NAMES = new Map(RATE_WINDOWS.map((w) => [w.ms, w.label]))

/** "100 / minute", "5 / 30 s". */
export function describeRateLimit(rule: RateLimitRule): string {
  const per = WINDOW_NAMES.get(rule.windowMs) ?? `${(rule.windowMs / 1000).toLocaleString('en-US')} s`
  return `${rule.limit.toLocaleString('en-US')} / ${per}`
}

/** "daily to 1,000", "monthly (day 15) to 50", "every 3,600 s to 10". */
export function describeRefill(refill: Refill): string {
  const amount = refill.amount.toLocaleString('en-US')
  if ('intervalMs' in refill)
    return `every ${(refill.intervalMs / 1000).toLocaleString('en-US')} s to ${amount}`
  if (refill.interval === 'monthly' && refill.dayOfMonth && refill.dayOfMonth !== 1) {
    return `monthly (day ${refill.dayOfMonth}) to ${amount}`
  }
  return `${refill.interval} to ${amount}`
}
