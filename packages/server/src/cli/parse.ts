import { UsageError } from './io.js'

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}
const DURATION = /^(\d+)(ms|s|m|h|d|w)$/

/** `500ms`, `90s`, `15m`, `12h`, `30d`, `2w` to milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = DURATION.exec(text.trim())
  if (!match) throw new UsageError(`${flag} must be a duration such as 90s, 15m, 12h, 30d or 2w`)
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number)
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${flag} is too long`)
  return ms
}

/** A duration from now (`30d`) or an ISO 8601 date (`2027-01-01T00:00:00Z`); `never` is null. */
export function parseWhen(text: string, flag: string, now: Date): Date | null {
  if (text === 'never') return null
  if (DURATION.test(text.trim())) return new Date(now.getTime() + parseDuration(text, flag))
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(
      `${flag} must be a duration from now (30d, 12h) or an ISO date (2027-01-01T00:00:00Z)`,
    )
  }
  return new Date(text)
}

/** Scopes from `--scopes a:read,b:write` given once or several times. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  ]
}

export function parseJsonObject(text: string, flag: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`${flag} must be a JSON object, e.g. '{"team":"billing"}'`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${flag} must be a JSON object, e.g. '{"team":"billing"}'`)
  }
  return value as Record<string, unknown>
}

export function parsePositiveInt(text: string, flag: string, max: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}`)
  }
  return n
}
