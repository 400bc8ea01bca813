const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/** "3 days ago", "in 2 hours", "just now". */
export function fromNow(date: Date, now: Date): string {
  const diff = date.getTime() - now.getTime()
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return relative.format(Math.round(diff / ms), unit)
  }
  return 'just now'
}

/** ISO-8601 in UTC to the minute, for titles and machine-readable <time> values. */
export function isoMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

export type KeyState = 'active' | 'revoked' | 'expired'

export function keyState(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): KeyState {
  if (key.revokedAt) return 'revoked'
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired'
  return 'active'
}

/** Expiry choices of the create form, in milliseconds from now (null = never). */
export const EXPIRY_CHOICES: { value: string; label: string; ms: number | null }[] = [
  { value: 'never', label: 'Never', ms: null },
  { value: '1d', label: '1 day', ms: 86_400_000 },
  { value: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: '30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: '90 days', ms: 90 * 86_400_000 },
  { value: '365d', label: '1 year', ms: 365 * 86_400_000 },
]

/** Scopes typed as "a, b c" -> ['a', 'b', 'c'], duplicates removed. */
export function parseScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))]
}
