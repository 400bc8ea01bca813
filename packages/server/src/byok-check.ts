/**
 * POST /api/byok/:provider/check: tests a provider key against the provider (vault.check), either
 * the one in the body (`{ apiKey }`, before saving it) or the caller's stored key (empty body). It
 * makes an outbound call, so each caller (API key) gets a few per minute. The key is never logged
 * nor echoed.
 */
import type { Context } from 'hono'
import { Hono } from 'hono'
import { ValidationError } from 'keywarden'
import { contentTooLarge, invalidRequest, problemReply, tooManyRequests, toResponse } from 'keywarden/hono'
import type { Vault } from 'keywarden/vault'
import { recordChange } from './log/activity.js'
import { createLoginThrottle, type SignInLimit } from './login-throttle.js'

const MAX_BODY_BYTES = 8192

export interface CheckRouteOptions {
  vault: Vault
  onError: (error: unknown) => void
  /** Checks per API key per window (sliding, counted in this process). Default 10 a minute. */
  limit?: SignInLimit
  now?: () => number
}

async function readApiKey(c: Context): Promise<{ apiKey: string | null } | Response> {
  const text = await c.req.text()
  if (text.length > MAX_BODY_BYTES)
    return toResponse(contentTooLarge(`The body may be at most ${MAX_BODY_BYTES} bytes.`))
  if (text.trim() === '') return { apiKey: null }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = null
  }
  const fields = body as Record<string, unknown> | null
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return toResponse(
      invalidRequest([{ field: 'body', detail: 'body must be empty or a JSON object { apiKey }' }]),
    )
  }
  const extra = Object.keys(fields).filter((name) => name !== 'apiKey')
  if (extra.length > 0 || (fields.apiKey !== undefined && typeof fields.apiKey !== 'string')) {
    return toResponse(
      invalidRequest([
        {
          field: extra[0] ?? 'apiKey',
          detail: 'send { apiKey: "<the key>" }, or nothing to test the stored key',
        },
      ]),
    )
  }
  return { apiKey: (fields.apiKey as string | undefined) ?? null }
}

/** The check route, for an app that has already put apiKeyAuth + the byok scope guard on /api/byok/*. */
export function checkRoute({
  vault,
  onError,
  limit = { limit: 10, windowMs: 60_000 },
  now = Date.now,
}: CheckRouteOptions): Hono {
  const app = new Hono()
  // The sign-in throttle's sliding window, keyed by API key: each check makes outbound calls.
  const throttle = createLoginThrottle(
    { perAddress: limit, total: { limit: 100_000, windowMs: 60_000 } },
    now,
  )
  app.post('/api/byok/:provider/check', async (c) => {
    const key = c.get('apiKey')
    const provider = c.req.param('provider')
    const waitMs = throttle.retryAfterMs(key.id)
    if (waitMs > 0) return toResponse(tooManyRequests('Too many key checks from this API key.', waitMs))
    throttle.failed(key.id)
    const body = await readApiKey(c)
    if (body instanceof Response) return body
    let outcome = 'failed'
    try {
      let apiKey = body.apiKey
      if (apiKey === null) {
        apiKey = await vault.for({ userId: key.ownerId ?? `key:${key.id}` }).get(provider)
        if (apiKey === null) {
          outcome = 'none stored'
          return toResponse(
            problemReply({
              type: 'https://keywarden.dev/problems/not-found',
              title: 'Not Found',
              status: 404,
              detail: `No ${provider} key is stored for you: send { apiKey } to test one before saving it.`,
            }),
          )
        }
      }
      const result = await vault.check(provider, apiKey)
      outcome = result.ok ? 'accepted' : `refused (${result.status ?? 'no answer'})`
      c.header('Cache-Control', 'no-store')
      return c.json(result)
    } catch (error) {
      if (error instanceof ValidationError) {
        outcome = 'invalid request'
        return toResponse(invalidRequest([{ field: error.field ?? 'provider', detail: error.message }]))
      }
      onError(error)
      return toResponse(
        problemReply({
          type: 'https://keywarden.dev/problems/unavailable',
          title: 'Service Unavailable',
          status: 503,
          detail: 'The key cannot be checked right now. Try again shortly.',
        }),
      )
    } finally {
      recordChange({ action: 'byok.check', provider, outcome })
    }
  })
  return app
}
