/** Webhooks on redisStore end to end: delivery with retries, and two worker processes sharing one outbox. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { createWebhooks } from '../packages/keywarden/src/webhooks/index.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajor, serviceSkip, uniqueName } from './support/services.js'
import { startReceiver, until } from './webhooks-helpers.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./webhooks-procs/redis-child.ts', import.meta.url))
const SECRET = 'Qm9yZWFsLWtleS1mb3Itd2ViaG9va3M-7f3a9c1e5b2d8f40a6c3e9b1d7f2a8c4'
const skip = await serviceSkip('redis')

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

async function setup(answerFor?: (id: string, before: number) => number) {
  const namespace = uniqueName('kwhookp')
  const store = redisStore({ url: REDIS_URL, namespace })
  const warden = createKeywarden({ store, prefix: 'whredis', lastUsed: false })
  let secret: string | null = null
  const receiver = await startReceiver(() => secret, [], answerFor)
  const webhooks = createWebhooks({
    store,
    events: warden.events,
    secret: SECRET,
    retryScheduleMs: [1, 1, 1],
    allowPrivate: true,
  })
  cleanups.push(
    async () => {
      const client = redisMajor('ioredis 5').client()
      await deleteNamespace(client, namespace)
      await client.quit()
    },
    () => store.close(),
    () => receiver.close(),
    () => webhooks.close(),
  )
  const created = await webhooks.create({ url: receiver.url, events: ['key.created'] })
  secret = created.secret
  return { namespace, warden, webhooks, receiver, created }
}

describe.skipIf(skip)('webhooks on redisStore', () => {
  it('retries a receiver that answers 500 twice, then delivers, and logs every attempt', async () => {
    const { warden, webhooks, receiver, created } = await setup((_id, before) => (before < 2 ? 500 : 200))
    await warden.keys.create({ name: 'retry' })
    await until(
      () => receiver.received.length >= 3,
      () => webhooks.runOnce(),
    )
    for (let i = 0; i < 5; i++) await webhooks.runOnce()
    expect(receiver.received).toHaveLength(3)
    expect(receiver.received.every((r) => r.valid)).toBe(true)
    const log = await webhooks.deliveries(created.endpoint.id)
    expect(log.items.map((a) => [a.attempt, a.responseStatus, a.ok])).toEqual([
      [3, 200, true],
      [2, 500, false],
      [1, 500, false],
    ])
    expect(await webhooks.delivery(log.items[0]?.deliveryId as string)).toMatchObject({
      status: 'delivered',
      attempts: 3,
    })
    expect(receiver.received.map((r) => r.body).join('\n')).not.toContain(created.secret)
  })

  it('two worker processes on one namespace make each attempt exactly once', async () => {
    // Every third event fails its first attempt, so retries are shared between the processes too.
    const { namespace, warden, receiver } = await setup((id, before) =>
      before === 0 && id.charCodeAt(id.length - 1) % 3 === 0 ? 500 : 200,
    )
    for (let i = 0; i < 40; i++) await warden.keys.create({ name: `k${i}` })
    const outputs = await Promise.all(
      [0, 1].map(() =>
        run(process.execPath, ['--import', 'tsx', child, REDIS_URL, namespace, SECRET], { timeout: 60_000 }),
      ),
    )
    const made = outputs.map((o) => (JSON.parse(o.stdout) as { made: number }).made)
    const ids = new Set(receiver.received.map((r) => r.id))
    expect(ids.size).toBe(40)
    const failedFirst = [...ids].filter((id) => id.charCodeAt(id.length - 1) % 3 === 0).length
    // One request per attempt: no attempt was made twice, none was lost.
    expect(receiver.received).toHaveLength(40 + failedFirst)
    expect(made.reduce((a, b) => a + b, 0)).toBe(40 + failedFirst)
    for (const id of ids) {
      const times = receiver.received.filter((r) => r.id === id).length
      expect(times).toBe(id.charCodeAt(id.length - 1) % 3 === 0 ? 2 : 1)
    }
    expect(receiver.received.every((r) => r.valid)).toBe(true)
  })
})
