import { ValidationError } from '../errors.js'

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/

/** Offset of `timeZone` from UTC at the instant `utcMs`, in ms. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return wall - Math.floor(utcMs / 1000) * 1000
}

/**
 * A Python naive datetime (`2026-11-23T12:00:00.123456` or with a space) read as wall time in
 * `timeZone`; strings with their own offset or `Z` keep it. Microseconds are cut to milliseconds.
 */
export function parseNaiveTimestamp(value: unknown, timeZone: string, field: string): Date {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value)
  if (typeof value !== 'string') throw new ValidationError(`${field} is not a timestamp`, { field })
  const text = value.trim()
  const naive = NAIVE.exec(text)
  if (!naive) {
    const parsed = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? new Date(text.replace(' ', 'T')) : null
    if (!parsed || Number.isNaN(parsed.getTime())) {
      throw new ValidationError(`${field} is not an ISO timestamp`, { field })
    }
    return parsed
  }
  const [, y, mo, d, h, mi, s = '0', fraction = ''] = naive
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  if (Number.isNaN(wall)) throw new ValidationError(`${field} is not a valid date`, { field })
  // Two passes settle daylight-saving transitions.
  let utc = wall - zoneOffsetMs(wall, timeZone)
  utc = wall - zoneOffsetMs(utc, timeZone)
  return new Date(utc)
}
