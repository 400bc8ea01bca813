import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ValidationError } from '../errors.js'

export const WEBHOOK_SECRET_PREFIX = 'whsec_'

/** A new endpoint secret: `whsec_` + 32 random bytes in base64 (the Standard Webhooks form). */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`
}

function keyBytes(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(WEBHOOK_SECRET_PREFIX))
    throw new ValidationError('secret must be a whsec_… webhook secret', { field: 'secret' })
  const bytes = Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64')
  if (bytes.length < 16) throw new ValidationError('secret is too short', { field: 'secret' })
  return bytes
}

/**
 * The `webhook-signature` header value of Standard Webhooks: `v1,` + base64 HMAC-SHA256 of
 * `<id>.<timestamp>.<body>` under the secret's bytes.
 * @throws ValidationError when the secret is not a whsec_ secret.
 * @example
 * const signature = signWebhook(secret, 'evt_1', Math.floor(Date.now() / 1000), body)
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyBytes(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64')
  return `v1,${mac}`
}

export interface VerifyWebhookOptions {
  /** Largest difference between the timestamp and now. Default 300 s. */
  toleranceSeconds?: number
  now?: () => Date
}

/**
 * Checks the Standard Webhooks headers of a request body in constant time; false for any
 * mismatch, a stale timestamp or missing headers (never throws for a bad request).
 * @throws ValidationError when the secret itself is not a whsec_ secret.
 * @example
 * if (!verifyWebhook(secret, body, Object.fromEntries(request.headers))) return new Response(null, { status: 400 })
 */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  options: VerifyWebhookOptions = {},
): boolean {
  const key = keyBytes(secret)
  const { toleranceSeconds = 300, now = () => new Date() } = options
  const header = (name: string) => {
    const value = headers[name] ?? headers[name.toLowerCase()]
    return Array.isArray(value) ? value[0] : value
  }
  const id = header('webhook-id')
  const timestamp = header('webhook-timestamp')
  const signatures = header('webhook-signature')
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false
  if (Math.abs(now().getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest()
  return signatures.split(' ').some((part) => {
    const [version, value] = part.split(',', 2)
    if (version !== 'v1' || !value) return false
    const given = Buffer.from(value, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
