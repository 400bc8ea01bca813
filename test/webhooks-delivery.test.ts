import { afterEach, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import {
  checkWebhookUrl,
  createWebhooks,
  isPrivateAddress,
  WEBHOOK_EVENT_TYPES,
  type Webhooks,
} from '../packages/keywarden/src/webhooks/index.js'
import { startReceiver, until } from './webhooks-helpers.js'

const SECRET = 'Qm9yZWFsLWtleS1mb3Itd2ViaG9va3M-7f3a9c1e5b2d8f40a6c3e9b1d7f2a8c4'
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function setup(answers: number[] = [], schedule = [1, 1, 1]) {
  const store = memoryStore()
  const warden = createKeywarden({ store, prefix: 'whtest' })
  const vault = createVault({ secret: SECRET, store, events: warden.events })
  let secret: string | null = null
  const receiver = await startReceiver(() => secret, answers)
  const webhooks = createWebhooks({
    store,
    events: warden.events,
    secret: SECRET,
    retryScheduleMs: schedule,
    allowPrivate: true,
  })
  cleanups.push(
    () => receiver.close(),
    () => webhooks.close(),
  )
  const created = await webhooks.create({ url: receiver.url, events: [...WEBHOOK_EVENT_TYPES] })
  secret = created.secret
  return { store, warden, vault, webhooks, receiver, created }
}

const drain = (webhooks: Webhooks) => () => webhooks.runOnce()

describe('webhooks delivery (memory store, Standard Webhooks receiver)', () => {
  it('delivers every event type once with a valid signature and no secret in the payload', async () => {
    const { warden, vault, webhooks, receiver, created } = await setup()
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
    const { key, record } = await warden.keys.create({ name: 'ci', ownerId: 'u1' })
    await warden.keys.update(record.id, { name: 'ci 2' })
    const rolled = await warden.keys.roll(record.id, { expireOldInMs: 1000 })
    await warden.keys.revoke(rolled.record.id)
    await warden.keys.delete(rolled.record.id)
    const mine = vault.for({ userId: 'u1' })
    await mine.set('openai', 'sk-test-abcdefghijklmnopqrstuvwxyz0123456789')
    await mine.delete('openai')
    for (const type of [
      'key.expiring',
      'key.expired',
      'key.usage_exceeded',
      'key.credits_low',
      'key.leaked',
    ] as const)
      await warden.events.emit({ type, target: { type: 'key', id: record.id }, data: { key: record } })

    await until(() => receiver.received.length >= WEBHOOK_EVENT_TYPES.length, drain(webhooks))
    await webhooks.runOnce()
    const types = receiver.received.map((r) => r.payload.type).sort()
    expect(types).toEqual([...WEBHOOK_EVENT_TYPES].sort())
    expect(receiver.received.every((r) => r.valid)).toBe(true)
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(WEBHOOK_EVENT_TYPES.length)
    const all = receiver.received.map((r) => r.body).join('\n')
    expect(all).not.toContain(key)
    expect(all).not.toContain('sk-test-abcdefghijklmnopqrstuvwxyz')
    expect(all).not.toContain(created.secret)
    expect(all).not.toMatch(/"hash"/)
    const createdEvent = receiver.received.find((r) => r.payload.type === 'key.created')
    expect(createdEvent?.payload.data.key).toMatchObject({ id: record.id, name: 'ci', ownerId: 'u1' })
    expect(Number.isNaN(Date.parse(createdEvent?.payload.timestamp ?? ''))).toBe(false)
  })

  it('retries a receiver that answers 500 twice, delivers on the third attempt and logs all three', async () => {
    const { warden, webhooks, receiver, created } = await setup([500, 500])
    await warden.keys.create({ name: 'retry' })
    await until(() => receiver.received.length >= 3, drain(webhooks))
    for (let i = 0; i < 5; i++) await webhooks.runOnce()
    expect(receiver.received).toHaveLength(3)
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1)
    expect(receiver.received.every((r) => r.valid)).toBe(true)
    const log = await webhooks.deliveries(created.endpoint.id)
    expect(log.items.map((a) => [a.attempt, a.responseStatus, a.ok, a.eventType])).toEqual([
      [3, 200, true, 'key.created'],
      [2, 500, false, 'key.created'],
      [1, 500, false, 'key.created'],
    ])
    const delivery = await webhooks.delivery(log.items[0]?.deliveryId as string)
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3 })
  })

  it('gives up after the schedule and delivers again on redeliver', async () => {
    const { warden, webhooks, receiver, created } = await setup([500, 500, 500], [1, 1])
    await warden.keys.create({ name: 'gives up' })
    await until(() => receiver.received.length >= 3, drain(webhooks))
    for (let i = 0; i < 5; i++) await webhooks.runOnce()
    expect(receiver.received).toHaveLength(3)
    const [last] = (await webhooks.deliveries(created.endpoint.id)).items
    expect(await webhooks.delivery(last?.deliveryId as string)).toMatchObject({
      status: 'failed',
      attempts: 3,
    })
    await webhooks.redeliver(last?.deliveryId as string)
    await until(() => receiver.received.length >= 4, drain(webhooks))
    expect(receiver.received[3]?.id).toBe(receiver.received[0]?.id)
    expect(await webhooks.delivery(last?.deliveryId as string)).toMatchObject({
      status: 'delivered',
      attempts: 4,
    })
    expect((await webhooks.deliveries(created.endpoint.id)).items).toHaveLength(4)
  })

  it('only enqueues the types an endpoint subscribed to, and emits webhook.* changes without the secret', async () => {
    const { warden, webhooks, receiver, created } = await setup()
    const seen: string[] = []
    warden.events.subscribe((e) => {
      seen.push(JSON.stringify(e))
    })
    await webhooks.update(created.endpoint.id, { events: ['key.revoked'] }, { actor: { type: 'cli' } })
    const { record } = await warden.keys.create({ name: 'quiet' })
    await warden.keys.revoke(record.id)
    await until(() => receiver.received.length >= 1, drain(webhooks))
    for (let i = 0; i < 3; i++) await webhooks.runOnce()
    expect(receiver.received.map((r) => r.payload.type)).toEqual(['key.revoked'])
    await webhooks.delete(created.endpoint.id)
    await expect(webhooks.get(created.endpoint.id)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    expect(seen.join('\n')).not.toContain(created.secret)
    const audit = await warden.audit.list({ targetId: created.endpoint.id })
    expect(audit.items.map((e) => e.action).sort()).toEqual([
      'webhook.created',
      'webhook.deleted',
      'webhook.updated',
    ])
  })

  it('makes each attempt once under many concurrent workers on one store', async () => {
    const { store, warden, webhooks, receiver } = await setup()
    const workers = Array.from({ length: 12 }, () =>
      createWebhooks({ store, secret: SECRET, allowPrivate: true, retryScheduleMs: [1], batchSize: 3 }),
    )
    for (let i = 0; i < 40; i++) await warden.keys.create({ name: `k${i}` })
    const all = [webhooks, ...workers]
    await until(
      () => receiver.received.length >= 40,
      () => Promise.all(all.map((w) => w.runOnce())),
    )
    await Promise.all(all.map((w) => w.runOnce()))
    expect(receiver.received).toHaveLength(40)
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(40)
  })
})

describe('webhook URLs', () => {
  it('refuses non-http(s), credentials, private and loopback targets without allowPrivate', async () => {
    const lookup = async (host: string) =>
      host === 'intranet.example'
        ? [{ address: '192.168.1.20', family: 4 }]
        : [{ address: '93.184.216.34', family: 4 }]
    for (const url of [
      'ftp://example.com/x',
      'https://user:pw@example.com/x',
      'http://127.0.0.1:8080/hooks',
      'http://10.1.2.3/',
      'http://172.20.0.1/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
      'http://intranet.example/hooks',
      'not a url',
    ]) {
      await expect(checkWebhookUrl(url, { lookup }), url).rejects.toMatchObject({
        code: 'ERR_VALIDATION',
        field: 'url',
      })
    }
    await expect(checkWebhookUrl('http://localhost:9/')).rejects.toMatchObject({ field: 'url' })
    expect((await checkWebhookUrl('https://hooks.example/x', { lookup })).href).toBe(
      'https://hooks.example/x',
    )
    expect((await checkWebhookUrl('https://93.184.216.34/x')).hostname).toBe('93.184.216.34')
    expect((await checkWebhookUrl('http://127.0.0.1/x', { allowPrivate: true })).hostname).toBe('127.0.0.1')
    expect(isPrivateAddress('2606:4700::1111')).toBe(false)
    expect(isPrivateAddress('::ffff:10.0.0.1')).toBe(true)
  })

  it('createWebhooks refuses a private target unless allowPrivate, and re-checks at delivery time', async () => {
    const store = memoryStore()
    const strict = createWebhooks({ store, secret: SECRET })
    await expect(
      strict.create({ url: 'http://127.0.0.1:1/hooks', events: ['key.created'] }),
    ).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
      field: 'url',
    })
    // A name that resolved to a public address at create time and to loopback later is not posted to.
    let address = '93.184.216.34'
    const lookup = async () => [{ address, family: 4 }]
    const warden = createKeywarden({ store, prefix: 'whtest' })
    const posted: string[] = []
    const webhooks = createWebhooks({
      store,
      events: warden.events,
      secret: SECRET,
      lookup,
      fetch: async (url) => {
        posted.push(String(url))
        return new Response('ok')
      },
    })
    cleanups.push(() => webhooks.close())
    const { endpoint } = await webhooks.create({
      url: 'https://rebind.example/hooks',
      events: ['key.created'],
    })
    address = '127.0.0.1'
    await warden.keys.create({ name: 'x' })
    await webhooks.runOnce()
    expect(posted).toEqual([])
    const [attempt] = (await webhooks.deliveries(endpoint.id)).items
    expect(attempt).toMatchObject({ ok: false, responseStatus: null })
    expect(attempt?.error).toMatch(/private/)
  })

  it('validates input with typed errors', async () => {
    const webhooks = createWebhooks({ store: memoryStore(), secret: SECRET, allowPrivate: true })
    await expect(
      webhooks.create({ url: 'http://127.0.0.1/', events: ['nope' as never] }),
    ).rejects.toMatchObject({
      field: 'events',
    })
    await expect(webhooks.create({ url: 'http://127.0.0.1/', events: [] })).rejects.toMatchObject({
      field: 'events',
    })
    await expect(webhooks.list({ limit: 0 })).rejects.toMatchObject({ field: 'limit' })
    await expect(webhooks.redeliver('whd_missing')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    expect(() => createWebhooks({ store: {}, secret: SECRET })).toThrow(/keeps no webhooks/)
    expect(() => createWebhooks({ store: memoryStore(), secret: 'short' })).toThrow()
    expect(() => createWebhooks({ store: memoryStore(), secret: SECRET, retryScheduleMs: [] })).toThrow(
      /retryScheduleMs/,
    )
  })
})
