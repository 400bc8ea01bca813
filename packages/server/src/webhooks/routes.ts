import { Hono } from 'hono'
import type { Keywarden } from 'keywarden'
import { describeError, KeywardenError } from 'keywarden'
import { ADMIN_SCOPE, apiKeyAuth, requireScopes } from 'keywarden/hono'
import type { WebhookDelivery, Webhooks } from 'keywarden/webhooks'
import { apiKeyContext } from '../request-context.js'

export interface WebhookRoutesOptions {
  warden: Keywarden
  webhooks: Webhooks
  onError: (error: unknown) => void
}

const STATUS: Record<string, 400 | 404 | 409> = {
  ERR_VALIDATION: 400,
  ERR_CONFIG: 400,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
}
const TITLES = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' }

function problem(status: 400 | 404 | 409 | 500, detail: string, field?: string): Response {
  const body = { type: 'about:blank', title: TITLES[status], status, detail, ...(field ? { field } : {}) }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
  })
}

/** An outbox entry as the API shows it: without the body (the event's data is in the log's source). */
function deliveryView({ payload: _payload, ...rest }: WebhookDelivery) {
  return rest
}

function page(query: Record<string, string>): { limit?: number; cursor?: string } {
  const out: { limit?: number; cursor?: string } = {}
  if (query.limit !== undefined) out.limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : -1
  if (query.cursor) out.cursor = query.cursor
  return out
}

/**
 * /api/webhooks for admin keys: endpoints (the secret answered once, on create), each endpoint's
 * delivery log, and redelivery of one outbox entry.
 */
export function webhookRoutes({ warden, webhooks, onError }: WebhookRoutesOptions): Hono {
  const app = new Hono()
  const guard = [apiKeyAuth({ warden }), requireScopes(ADMIN_SCOPE)] as const
  app.use('/api/webhooks', ...guard)
  app.use('/api/webhooks/*', ...guard)
  app.use('/api/webhooks/*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })

  const body = async (req: { json(): Promise<unknown> }) => {
    try {
      const value = await req.json()
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null
    } catch {
      return null
    }
  }
  const fail = (error: unknown) => {
    if (error instanceof KeywardenError && STATUS[error.code]) {
      return problem(STATUS[error.code] as 400, error.message, (error as { field?: string }).field)
    }
    onError(error)
    return problem(500, `webhooks failed: ${describeError(error)}`)
  }
  const noBody = () => problem(400, 'the body must be a JSON object')

  app.post('/api/webhooks', async (c) => {
    const input = await body(c.req)
    if (!input) return noBody()
    try {
      const { endpoint, secret } = await webhooks.create(input as never, apiKeyContext(c))
      return c.json({ ...endpoint, secret }, 201)
    } catch (error) {
      return fail(error)
    }
  })
  app.get('/api/webhooks', async (c) => {
    try {
      return c.json(await webhooks.list(page(c.req.query())))
    } catch (error) {
      return fail(error)
    }
  })
  app.get('/api/webhooks/:id', async (c) => {
    try {
      return c.json(await webhooks.get(c.req.param('id')))
    } catch (error) {
      return fail(error)
    }
  })
  app.patch('/api/webhooks/:id', async (c) => {
    const input = await body(c.req)
    if (!input) return noBody()
    try {
      return c.json(await webhooks.update(c.req.param('id'), input as never, apiKeyContext(c)))
    } catch (error) {
      return fail(error)
    }
  })
  app.delete('/api/webhooks/:id', async (c) => {
    try {
      await webhooks.delete(c.req.param('id'), apiKeyContext(c))
      return c.body(null, 204)
    } catch (error) {
      return fail(error)
    }
  })
  app.get('/api/webhooks/:id/deliveries', async (c) => {
    try {
      return c.json(await webhooks.deliveries(c.req.param('id'), page(c.req.query())))
    } catch (error) {
      return fail(error)
    }
  })
  app.post('/api/webhooks/deliveries/:id/redeliver', async (c) => {
    try {
      return c.json(deliveryView(await webhooks.redeliver(c.req.param('id'))), 202)
    } catch (error) {
      return fail(error)
    }
  })
  return app
}
