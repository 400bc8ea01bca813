/**
 * The development format: pino's JSON line as `time LEVEL message key=value …`, so a terminal
 * reads like a log without pino-pretty. Values with spaces or quotes are JSON-quoted.
 */
const PLAIN = /^[^\s"=]+$/

function value(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v)
  return PLAIN.test(v) ? v : JSON.stringify(v)
}

export function textLine(json: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json)
  } catch {
    return json
  }
  const { time, level, msg, ...fields } = entry
  const clock = typeof time === 'string' ? time.slice(11, 23) : ''
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${value(v)}`)
  return `${[clock, String(level).toUpperCase().padEnd(5), msg, ...pairs].join(' ')}\n`
}
