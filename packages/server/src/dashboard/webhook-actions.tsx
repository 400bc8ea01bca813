/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono'
import { KeywardenError } from 'keywarden'
import type { WebhookEventType, Webhooks } from 'keywarden/webhooks'
import { withRequestContext } from '../log/activity.js'
import type { DashboardAnswers } from './answers.js'
import type { ServerEnv } from './security.js'
import { WebhooksPage, type WebhooksPageProps } from './views/webhooks.js'

/** The dashboard's webhooks page at /dashboard/webhooks (behind the session and CSRF guards). */
export function webhookActions(
  app: Hono<ServerEnv>,
  webhooks: Webhooks,
  { now, answers }: { now: () => Date; answers: DashboardAnswers },
): void {
  const render = async (
    c: Context<ServerEnv>,
    extra: Pick<WebhooksPageProps, 'created' | 'error'> = {},
    status = 200,
  ) => {
    const { items } = await webhooks.list({ limit: 100 })
    const endpoints = await Promise.all(
      items.map(async (endpoint) => ({
        endpoint,
        attempts: (await webhooks.deliveries(endpoint.id, { limit: 10 })).items,
      })),
    )
    const csrfToken = c.get('session').csrfToken
    return answers.shellPage(
      c,
      'Webhooks',
      <WebhooksPage endpoints={endpoints} csrfToken={csrfToken} now={now()} {...extra} />,
      { status },
    )
  }
  app.get('/dashboard/webhooks', (c) => render(c))
  app.post('/dashboard/webhooks', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const events = ([] as unknown[])
      .concat(form.events ?? [])
      .filter((e): e is string => typeof e === 'string')
    try {
      const { endpoint, secret } = await webhooks.create(
        {
          url: String(form.url ?? ''),
          events: events as WebhookEventType[],
          ...(form.description ? { description: String(form.description) } : {}),
        },
        withRequestContext(),
      )
      return await render(c, { created: { id: endpoint.id, secret } }, 201)
    } catch (error) {
      if (error instanceof KeywardenError && error.code === 'ERR_VALIDATION')
        return render(c, { error: error.message }, 400)
      throw error
    }
  })
  app.post('/dashboard/webhooks/:id/delete', async (c) => {
    await webhooks.delete(c.req.param('id'), withRequestContext()).catch((error) => {
      if (!(error instanceof KeywardenError && error.code === 'ERR_NOT_FOUND')) throw error
    })
    return c.redirect('/dashboard/webhooks', 303)
  })
}
