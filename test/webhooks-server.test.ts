import { afterEach, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { createWebhooks } from '../packages/keywarden/src/webhooks/index.js'
import { createServerApp, storeHealthCheck } from '../packages/server/src/app.js'
import { createLogger } from '../packages/server/src/log/logger.js'
import { Browser, TEST_SECRET } from './server-helpers.js'
import { startReceiver, until } from './webhooks-helpers.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function server(allowPrivate: boolean) {
  const store = memoryStore()
  const lines: string[] = []
  const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false })
  const vault = createVault({ secret: TEST_SECRET, store, events: warden.events })
  const webhooks = createWebhooks({
    store,
    events: warden.events,
    secret: TEST_SECRET,
    allowPrivate,
    retryScheduleMs: [1, 1],
  })
  cleanups.push(() => webhooks.close())
  const app = createServerApp({
    warden,
    vault,
    webhooks,
    secret: TEST_SECRET,
    checkHealth: storeHealthCheck(store),
    logger: createLogger({ level: 'debug', json: true, write: (line) => lines.push(line) }),
  })
  const admin = (await warden.keys.create({ name: 'admin', scopes: ['keywarden:admin'] })).key
  const plain = (await warden.keys.create({ name: 'plain', scopes: ['users:read'] })).key
  const call = (path: string, init: RequestInit = {}, key = admin) =>
    app.request(`http://127.0.0.1${path}`, {
      ...init,
      headers: { 'x-api-key': key, 'content-type': 'application/json', ...init.headers },
    })
  return { app, warden, webhooks, call, plain, lines, admin }
}

describe('/api/webhooks on the server', () => {
  it('manages endpoints for admin keys, shows the secret once and logs deliveries', async () => {
    const { warden, webhooks, call, plain, lines } = await server(true)
    let secret: string | null = null
    const receiver = await startReceiver(() => secret, [500])
    cleanups.push(() => receiver.close())
    const create = await call('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: receiver.url, events: ['key.created'], description: 'ci' }),
      headers: { 'x-request-id': 'hook-1' },
    })
    expect(create.status).toBe(201)
    const created = (await create.json()) as { id: string; secret: string; url: string }
    // The audit log names the admin key and the request, like every other change over HTTP.
    const adminId = (await warden.keys.list()).items.find((k) => k.name === 'admin')?.id
    const [audited] = (await warden.audit.list({ action: 'webhook.created' })).items
    expect(audited).toMatchObject({
      actor: { type: 'key', id: adminId },
      requestId: 'hook-1',
      target: { type: 'webhook', id: created.id },
    })
    secret = created.secret
    expect(created).toMatchObject({ url: receiver.url, events: ['key.created'], description: 'ci' })
    expect(created.secret).toMatch(/^whsec_/)
    const listed = await (await call('/api/webhooks')).text()
    expect(listed).toContain(created.id)
    expect(listed).not.toContain(created.secret)
    expect(await (await call(`/api/webhooks/${created.id}`)).json()).not.toHaveProperty('secret')

    for (const [path, init] of [
      ['/api/webhooks', {}],
      ['/api/webhooks', { method: 'POST', body: '{}' }],
      [`/api/webhooks/${created.id}/deliveries`, {}],
    ] as const) {
      expect((await call(path, init, plain)).status).toBe(403)
      expect((await call(path, init, 'kw_nope')).status).toBe(401)
    }

    await warden.keys.create({ name: 'hooked' })
    await until(
      () => receiver.received.length >= 2,
      () => webhooks.runOnce(),
    )
    expect(receiver.received.every((r) => r.valid)).toBe(true)
    const log = (await (await call(`/api/webhooks/${created.id}/deliveries`)).json()) as {
      items: Array<{
        attempt: number
        responseStatus: number
        eventType: string
        durationMs: number
        at: string
        deliveryId: string
      }>
    }
    expect(log.items.map((a) => [a.attempt, a.responseStatus, a.eventType])).toEqual([
      [2, 200, 'key.created'],
      [1, 500, 'key.created'],
    ])
    const redeliver = await call(`/api/webhooks/deliveries/${log.items[0]?.deliveryId}/redeliver`, {
      method: 'POST',
    })
    expect(redeliver.status).toBe(202)
    expect(await redeliver.json()).toMatchObject({ status: 'pending' })
    await until(
      () => receiver.received.length >= 3,
      () => webhooks.runOnce(),
    )

    const patch = await call(`/api/webhooks/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ events: ['key.revoked'] }),
    })
    expect(await patch.json()).toMatchObject({ events: ['key.revoked'] })
    expect((await call(`/api/webhooks/${created.id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await call(`/api/webhooks/${created.id}`)).status).toBe(404)
    expect(lines.join('\n')).not.toContain(created.secret)
  })

  it('refuses a private URL without allowPrivate, with a problem naming url', async () => {
    const { call } = await server(false)
    const res = await call('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks', events: ['key.created'] }),
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 400, field: 'url' })
    const bad = await call('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: 'https://93.184.216.34/', events: ['x'] }),
    })
    expect(await bad.json()).toMatchObject({ field: 'events' })
  })

  it('documents the routes in /openapi.json', async () => {
    const { app } = await server(true)
    const doc = (await (await app.request('http://127.0.0.1/openapi.json')).json()) as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/webhooks',
        '/api/webhooks/{id}',
        '/api/webhooks/{id}/deliveries',
        '/api/webhooks/deliveries/{id}/redeliver',
      ]),
    )
  })

  it('has a dashboard page: add shows the secret once, the list never; delete; recent deliveries', async () => {
    const { app, admin } = await server(true)
    const browser = new Browser(app)
    expect((await browser.signIn(admin)).status).toBe(303)
    const empty = await browser.request('/dashboard/webhooks')
    expect(empty.status).toBe(200)
    const token = /name="_csrf" value="([^"]+)"/.exec(await empty.text())?.[1] as string
    const body = new URLSearchParams({ _csrf: token, url: 'http://127.0.0.1:9/hooks', description: 'dash' })
    body.append('events', 'key.created')
    body.append('events', 'key.revoked')
    const added = await browser.request('/dashboard/webhooks', {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(added.status).toBe(201)
    const page = await added.text()
    const secret = /(whsec_[A-Za-z0-9+/=]+)/.exec(page)?.[1] as string
    expect(secret).toBeTruthy()
    const later = await (await browser.request('/dashboard/webhooks')).text()
    expect(later).toContain('http://127.0.0.1:9/hooks')
    expect(later).toContain('key.created, key.revoked')
    expect(later).not.toContain(secret)
    const id = /id="webhook-(wh_[a-z0-9]+)"/.exec(later)?.[1] as string
    const forged = await browser.request(`/dashboard/webhooks/${id}/delete`, { form: { _csrf: 'nope' } })
    expect(forged.status).toBe(403)
    const deleted = await browser.request(`/dashboard/webhooks/${id}/delete`, { form: { _csrf: token } })
    expect(deleted.status).toBe(303)
    expect(await (await browser.request('/dashboard/webhooks')).text()).not.toContain(id)
    expect((await new Browser(app).request('/dashboard/webhooks')).status).not.toBe(200)
  })
})
