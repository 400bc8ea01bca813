import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, StoreError } from '../packages/keywarden/src/errors.js'
import { createKeywarden } from '../packages/keywarden/src/keys/keywarden.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { type RedisStore, redisStore } from '../packages/keywarden/src/stores/redis.js'
import { makeAuditEntry } from '../packages/keywarden/src/testing/index.js'
import { type FreezeProxy, startFreezeProxy } from './support/freeze-proxy.js'
import { type RedisServer, startRedisServer } from './support/redis-servers.js'
import { uniqueName } from './support/services.js'

const TIMEOUT_MS = 200
/** The bound for any call while Redis is frozen. */
const PENDING_BOUND_MS = 2 * TIMEOUT_MS + 1000

async function settleWithin<T>(call: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const started = Date.now()
  const outcome = await call().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  expect(Date.now() - started).toBeLessThanOrEqual(PENDING_BOUND_MS)
  return outcome
}

describe('redisStore as the store of record while Redis is frozen', () => {
  let server: RedisServer
  let proxy: FreezeProxy
  const namespace = uniqueName('kwfrozen')
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    server = await startRedisServer()
    proxy = await startFreezeProxy(server.port)
  })
  afterEach(() => proxy?.thaw())
  afterAll(async () => {
    proxy?.thaw()
    await proxy?.close()
    await server?.stop() // a throwaway server: its keys go with it
    process.off('unhandledRejection', onUnhandled)
  })

  it('rejects a commandTimeoutMs that is not a positive integer', () => {
    for (const commandTimeoutMs of [0, -1, 1.5, Number.NaN, '1000']) {
      expect(() => redisStore({ url: server.url, commandTimeoutMs } as never)).toThrow(ConfigError)
      expect(() => cachedStore({ primary: memoryStore(), commandTimeoutMs } as never)).toThrow(
        /commandTimeoutMs/,
      )
    }
  })

  it('{ url } meeting a frozen Redis on its first connection: StoreError in time, then it connects', async () => {
    proxy.freeze()
    const store = redisStore({ url: proxy.url, namespace, commandTimeoutMs: TIMEOUT_MS })
    const { error } = await settleWithin(() => store.getKeyById('nothing'))
    expect(error).toBeInstanceOf(StoreError)
    proxy.thaw()
    let answer: unknown = error
    for (let i = 0; i < 50 && answer instanceof Error; i++) {
      answer = await store.getKeyById('nothing').catch((e: unknown) => e)
      if (answer instanceof Error) await new Promise((r) => setTimeout(r, 100)) // the attempt in flight
    }
    expect(answer).toBeNull()
    await store.close()
  })

  const clients: Array<() => { store: RedisStore; done(): Promise<void> }> = [
    () => ({
      store: redisStore({ url: proxy.url, namespace, commandTimeoutMs: TIMEOUT_MS }),
      done: async () => {},
    }),
    () => {
      // Offline queue on, no commandTimeout: the store alone has to bound its calls.
      const client = new Redis(proxy.url)
      return {
        store: redisStore({ client, namespace, commandTimeoutMs: TIMEOUT_MS }),
        done: async () => client.disconnect(),
      }
    },
  ]
  for (const [index, open] of clients.entries()) {
    it(`${index === 0 ? '{ url }' : '{ client }'}: create, verify and revoke fail with StoreError in time, then work again`, async () => {
      const { store, done } = open()
      const warden = createKeywarden({ store, prefix: 'fz', lastUsed: false })
      const made = await warden.keys.create({ name: 'before' })
      proxy.freeze()
      const calls: Array<() => Promise<unknown>> = [
        () => warden.keys.verify(made.key),
        () => warden.keys.create({ name: 'during' }),
        () => warden.keys.revoke(made.record.id),
        () => warden.keys.list({ limit: 5 }),
        () => store.appendAudit(makeAuditEntry()),
        () => warden.audit.list({ limit: 5 }),
        () => store.leaseDeliveries({ now: new Date(), leaseMs: 1000, owner: 'fz', limit: 5 }),
        () => store.listWebhooks({ limit: 5 }),
      ]
      for (const call of calls) {
        const { error } = await settleWithin(call)
        expect(error).toBeInstanceOf(StoreError)
        expect((error as Error).message).toMatch(/Redis/)
      }
      proxy.thaw()
      // The connection was kept: the first call after the thaw already answers.
      expect((await warden.keys.verify(made.key)).valid).toBe(true)

      proxy.freeze()
      await settleWithin(() => warden.close()) // QUIT unanswered: a hard disconnect instead
      proxy.thaw()
      await done()
      expect(unhandled).toEqual([])
    })
  }
})
