import Database from 'better-sqlite3'
import fc from 'fast-check'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreError } from '../packages/keywarden/src/errors.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { ConsumeRequest, KeyStore, RateLimitRule } from '../packages/keywarden/src/stores/types.js'
import { makeStoredKey } from '../packages/keywarden/src/testing/fixtures.js'
import { freshLimitPlace, type LimitEngine, type LimitPlace, openStore } from './limits-procs/stores.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajors, serviceSkip, type TestRedis, uniqueName } from './support/services.js'

const T0 = Date.UTC(2031, 2, 10, 9, 30, 0)
const MINUTE = 60_000
const DAY = 86_400_000

interface Subject {
  name: string
  skip: string | false
  open(): Promise<KeyStore>
  cleanup(): Promise<void>
}

function placeSubject(engine: LimitEngine, skip: string | false, client?: string): Subject {
  let place: LimitPlace | null = null
  return {
    name: client ? `${engine} (${client})` : engine,
    skip,
    async open() {
      place = freshLimitPlace(engine, client)
      return openStore(place.spec)
    },
    cleanup: async () => place?.cleanup(),
  }
}

const engines: LimitEngine[] = ['sqlite', 'postgres', 'mysql', 'redis', 'cached']
const subjects: Subject[] = []
for (const engine of engines) {
  const service = freshLimitPlace(engine).service
  const skip = service ? await serviceSkip(service) : false
  subjects.push(placeSubject(engine, skip))
  // Redis stores also on a client of each ioredis major (the line above is { url }: the installed one).
  if (engine === 'redis' || engine === 'cached')
    for (const major of redisMajors) subjects.push(placeSubject(engine, skip, major.name))
}
subjects.push({ name: 'memory', skip: false, open: async () => memoryStore(), cleanup: async () => {} })
subjects.push({
  name: "sqlite through the app's own Kysely",
  skip: false,
  async open() {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    return sqlStore({ db })
  },
  async cleanup() {},
})

for (const subject of subjects) {
  describe.skipIf(subject.skip)(`usage limits through verify: ${subject.name}`, () => {
    let store: KeyStore
    let t = T0
    const warden = () =>
      createKeywarden({ store, prefix: 'lim', lastUsed: false, usage: false, now: () => new Date(t) })
    beforeAll(async () => {
      store = await subject.open()
    })
    afterAll(async () => {
      await store?.close()
      await subject.cleanup()
    })

    it('refills at the boundary of the injected clock, setting the balance, not adding', async () => {
      t = T0
      const w = warden()
      const { key, record } = await w.keys.create({
        name: 'refill',
        remaining: 2,
        refill: { amount: 5, intervalMs: 10 * MINUTE },
      })
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 1 })
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 0 })
      t = T0 + 10 * MINUTE - 1
      expect(await w.keys.verify(key)).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', remaining: 0 })
      t = T0 + 10 * MINUTE
      expect(await w.keys.verify(key, { cost: 2 })).toMatchObject({ valid: true, remaining: 3 })
      const stored = await store.getKeyById(record.id)
      expect(stored?.remaining).toBe(3)
      expect(stored?.lastRefillAt?.getTime()).toBe(T0 + 10 * MINUTE)
      // Same interval: no second refill. Three intervals later: one refill to 5, not 5 × 3 added.
      t = T0 + 20 * MINUTE - 1
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 2 })
      t = T0 + 50 * MINUTE + 7
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 4 })
      expect((await w.keys.get(record.id))?.remaining).toBe(4)
    })

    it('daily refills happen at 00:00 UTC', async () => {
      t = Date.UTC(2031, 2, 10, 23, 59, 59, 999)
      const w = warden()
      const { key } = await w.keys.create({
        name: 'daily',
        remaining: 1,
        refill: { amount: 3, interval: 'daily' },
      })
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 0 })
      expect(await w.keys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED' })
      t = Date.UTC(2031, 2, 11)
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 2 })
      t += DAY - 1
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 1 })
    })

    it('cost 0 spends no credits and counts against no rate limit', async () => {
      t = T0
      const w = warden()
      const { key, record } = await w.keys.create({
        name: 'free check',
        remaining: 3,
        rateLimits: [{ name: 'minute', limit: 2, windowMs: MINUTE }],
      })
      for (let i = 0; i < 5; i++) {
        expect(await w.keys.verify(key, { cost: 0 })).toMatchObject({
          valid: true,
          remaining: 3,
          limits: [{ name: 'minute', limit: 2, remaining: 2 }],
        })
      }
      expect((await store.getKeyById(record.id))?.remaining).toBe(3)
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 2 })
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 1 })
      expect(await w.keys.verify(key)).toMatchObject({ code: 'RATE_LIMITED' })
    })

    it('a rate-limited request leaves credits unchanged and counts against no other limit', async () => {
      t = T0
      const w = warden()
      const minute = { name: 'minute', limit: 2, windowMs: MINUTE }
      const hour = { name: 'hour', limit: 100, windowMs: 60 * MINUTE }
      const { key, record } = await w.keys.create({
        name: 'rated',
        remaining: 10,
        rateLimits: [hour, minute],
      })
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 9 })
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 8 })
      for (let i = 0; i < 4; i++) {
        t += 1000
        const refused = await w.keys.verify(key)
        expect(refused).toMatchObject({
          valid: false,
          code: 'RATE_LIMITED',
          name: 'minute',
          limit: 2,
          remaining: 0,
        })
        if (refused.valid || refused.code !== 'RATE_LIMITED') throw new Error('expected RATE_LIMITED')
        expect(refused.reset.getTime()).toBe(Math.floor(t / MINUTE) * MINUTE + MINUTE)
        expect(refused.retryAfterMs).toBeGreaterThan(0)
      }
      expect((await store.getKeyById(record.id))?.remaining).toBe(8)
      // The hour limit counted only the two admitted verifications.
      t = Math.floor(t / MINUTE) * MINUTE + 2 * MINUTE
      expect(await w.keys.verify(key)).toMatchObject({
        valid: true,
        remaining: 7,
        limits: [
          { name: 'hour', remaining: 97 },
          { name: 'minute', remaining: 1 },
        ],
      })
    })

    it('a verification refused for credits counts against no rate limit', async () => {
      t = T0
      const w = warden()
      const { key } = await w.keys.create({
        name: 'broke',
        remaining: 1,
        rateLimits: [{ name: 'minute', limit: 3, windowMs: MINUTE }],
      })
      expect(await w.keys.verify(key, { cost: 5 })).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 1 })
      expect(await w.keys.verify(key, { cost: 5 })).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 1 })
      expect(await w.keys.verify(key)).toMatchObject({
        valid: true,
        remaining: 0,
        limits: [{ name: 'minute', remaining: 2 }],
      })
    })

    it('a key with 2 credits and 2/minute, rolled 4 times with a grace period, answers exactly 2 successes', async () => {
      t = T0
      const w = warden()
      const first = await w.keys.create({
        name: 'rolled',
        remaining: 2,
        rateLimits: [{ name: 'm', limit: 2, windowMs: MINUTE }],
      })
      const keys = [first.key]
      let id = first.record.id
      for (let i = 0; i < 4; i++) {
        const rolled = await w.keys.roll(id, { expireOldInMs: 10 * MINUTE })
        keys.push(rolled.key)
        id = rolled.record.id
      }
      let successes = 0
      for (let round = 0; round < 3; round++) {
        for (const key of keys) {
          const result = await w.keys.verify(key)
          if (result.valid) successes++
          else expect(['USAGE_EXCEEDED', 'RATE_LIMITED']).toContain(result.code)
        }
        t += 1000
      }
      expect(successes).toBe(2)
      // A minute later the rate limit has room again, and the balance is still spent.
      t += 2 * MINUTE
      for (const key of keys) expect(await w.keys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED' })
      expect((await w.keys.get(id))?.remaining).toBe(0)
    })

    it('concurrent verifications alternating a key and its successors admit exactly the balance', async () => {
      t = T0
      const w = warden()
      const first = await w.keys.create({
        name: 'busy',
        remaining: 30,
        rateLimits: [{ name: 'm', limit: 40, windowMs: MINUTE }],
      })
      const second = await w.keys.roll(first.record.id, { expireOldInMs: MINUTE })
      const third = await w.keys.roll(second.record.id, { expireOldInMs: MINUTE })
      const keys = [first.key, second.key, third.key]
      const results = await Promise.all(Array.from({ length: 90 }, (_, i) => w.keys.verify(keys[i % 3])))
      expect(results.filter((r) => r.valid)).toHaveLength(30)
      for (const r of results) if (!r.valid) expect(['USAGE_EXCEEDED', 'RATE_LIMITED']).toContain(r.code)
      expect((await w.keys.get(third.record.id))?.remaining).toBe(0)
      // The rate limit counted the 30 admitted requests once, whichever key made them.
      const limited = await w.keys.create({
        name: 'limited',
        rateLimits: [{ name: 'm', limit: 25, windowMs: MINUTE }],
      })
      const next = await w.keys.roll(limited.record.id, { expireOldInMs: MINUTE })
      const pair = [limited.key, next.key]
      const counted = await Promise.all(Array.from({ length: 80 }, (_, i) => w.keys.verify(pair[i % 2])))
      expect(counted.filter((r) => r.valid)).toHaveLength(25)
    })

    it('agrees with the memory store, outcome for outcome, on random sequences', async () => {
      const rules: RateLimitRule[] = [
        { name: 'a', limit: 3, windowMs: 1000 },
        { name: 'b', limit: 7, windowMs: 5000 },
      ]
      const step = fc.record({
        advance: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 6000 })),
        cost: fc.integer({ min: 0, max: 3 }),
        ruleCount: fc.integer({ min: 0, max: 2 }),
      })
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 5, maxLength: 25 }),
          fc.integer({ min: 0, max: 12 }),
          // Per key, not per step: a key refills or it does not. (A refill switched on only for a
          // request the cache tier rate-limits is applied by cachedStore at the next request that
          // reaches the credits, by the memory store at once: both documented, not comparable.)
          fc.boolean(),
          async (steps, credits, refills) => {
            const reference = memoryStore()
            const key = makeStoredKey({ remaining: credits, rateLimits: rules })
            await reference.createKey(key)
            await store.createKey(key)
            let now = T0 + 123
            for (const s of steps) {
              now += s.advance
              const request: ConsumeRequest = {
                cost: s.cost,
                now,
                rateLimits: rules.slice(0, s.ruleCount),
                refill: refills ? { at: now - (now % 7000), amount: 4 } : null,
              }
              const expected = await reference.consumeKey?.(key.id, request)
              const actual = await store.consumeKey?.(key.id, request)
              expect(actual).toEqual(expected)
            }
            // A last free check applies a refill that is due (cachedStore applies one lazily, at the
            // next request that reaches the credits), so the balances compare like for like.
            const last: ConsumeRequest = {
              cost: 0,
              now,
              rateLimits: [],
              refill: { at: now - (now % 7000), amount: 4 },
            }
            expect(await store.consumeKey?.(key.id, last)).toEqual(await reference.consumeKey?.(key.id, last))
            const stored = await store.getKeyById(key.id)
            const want = await reference.getKeyById(key.id)
            expect(stored?.remaining).toBe(want?.remaining)
            expect(stored?.lastRefillAt?.getTime()).toBe(want?.lastRefillAt?.getTime())
          },
        ),
        { numRuns: subject.name === 'postgres' || subject.name === 'mysql' ? 15 : 60 },
      )
    })
  })
}

describe('sqlStore counters table', () => {
  let db: Kysely<any>
  let store: KeyStore
  beforeAll(() => {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    store = sqlStore({ db }, { tablePrefix: 'kw_' })
  })
  afterAll(async () => {
    await store.close()
    await db.destroy()
  })

  const rows = async (id: string) =>
    (
      await sql<{ name: string; window_start: number; count: number }>`
        select name, window_start, count from kw_rate_windows where key_id = ${id} order by name, window_start`.execute(
        db,
      )
    ).rows

  it('deletes windows older than the previous one, and a deleted key’s counters', async () => {
    const rule = { name: 'sec', limit: 5, windowMs: 1000 }
    const key = makeStoredKey({ rateLimits: [rule] })
    await store.createKey(key)
    const at = (now: number, rateLimits = [rule]): ConsumeRequest => ({
      cost: 1,
      now,
      rateLimits,
      refill: null,
    })
    await store.consumeKey?.(key.id, at(T0))
    await store.consumeKey?.(key.id, at(T0 + 1))
    await store.consumeKey?.(key.id, at(T0 + 1000))
    expect(await rows(key.id)).toEqual([
      { name: 'sec', window_start: T0, count: 2 },
      { name: 'sec', window_start: T0 + 1000, count: 1 },
    ])
    await store.consumeKey?.(key.id, at(T0 + 5000))
    expect(await rows(key.id)).toEqual([{ name: 'sec', window_start: T0 + 5000, count: 1 }])
    // Another rule's verification leaves this rule's rows alone.
    const other = { name: 'other', limit: 5, windowMs: 1000 }
    await store.consumeKey?.(key.id, at(T0 + 5001, [other]))
    expect(await rows(key.id)).toEqual([
      { name: 'other', window_start: T0 + 5000, count: 1 },
      { name: 'sec', window_start: T0 + 5000, count: 1 },
    ])
    await store.deleteKey(key.id)
    expect(await rows(key.id)).toEqual([])
  })

  it('onLimiterError: deny fails closed with StoreError, allow lets through marked limiterError', async () => {
    const deny = createKeywarden({ store, prefix: 'lim', lastUsed: false, usage: false })
    const allow = createKeywarden({
      store,
      prefix: 'lim',
      lastUsed: false,
      usage: false,
      onLimiterError: 'allow',
    })
    const { key } = await deny.keys.create({
      name: 'k',
      remaining: 5,
      rateLimits: [{ name: 'sec', limit: 5, windowMs: 1000 }],
    })
    expect(await deny.keys.verify(key)).toMatchObject({ valid: true, remaining: 4 })
    // The counters become unreachable while the keys stay readable.
    await sql`alter table kw_rate_windows rename to kw_rate_windows_gone`.execute(db)
    try {
      await expect(deny.keys.verify(key)).rejects.toBeInstanceOf(StoreError)
      expect(await allow.keys.verify(key)).toMatchObject({ valid: true, limiterError: true, remaining: 4 })
    } finally {
      await sql`alter table kw_rate_windows_gone rename to kw_rate_windows`.execute(db)
    }
    expect(await deny.keys.verify(key)).toMatchObject({ valid: true, remaining: 3 })
  })
})

const redisSkip = await serviceSkip('redis')
describe.skipIf(redisSkip).each(redisMajors)('cachedStore counters live in the tier: $name', (major) => {
  let db: Kysely<any>
  let client: TestRedis
  let store: KeyStore
  const namespace = uniqueName('kwlimcache')
  beforeAll(() => {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    client = major.client(REDIS_URL)
    store = cachedStore({
      primary: sqlStore({ db }, { tablePrefix: 'kw_' }),
      cache: redisStore({ client, namespace }),
    })
  })
  afterAll(async () => {
    await store.close()
    await db.destroy()
    await deleteNamespace(client, namespace)
    client.disconnect()
  })

  const primaryWindows = async () =>
    Number((await sql<{ n: number }>`select count(*) as n from kw_rate_windows`.execute(db)).rows[0]?.n)

  it('rate limits are counted in Redis (none in the primary), credits spent in the primary', async () => {
    const t = Date.now()
    const w = createKeywarden({ store, prefix: 'lim', lastUsed: false, usage: false, now: () => new Date(t) })
    const rule = { name: 'minute', limit: 3, windowMs: MINUTE }
    const { key, record } = await w.keys.create({ name: 'cached', remaining: 10, rateLimits: [rule] })
    for (let i = 0; i < 3; i++)
      expect(await w.keys.verify(key)).toMatchObject({ valid: true, remaining: 9 - i })
    expect(await w.keys.verify(key)).toMatchObject({ code: 'RATE_LIMITED' })
    expect(await primaryWindows()).toBe(0)
    // Under the key's id (its limit group's once rolled), so a roll chain shares the counts.
    const windows = await client.hgetall(`${namespace}:win:{${record.id}}`)
    expect(windows).toEqual({ [`minute:${Math.floor(t / MINUTE) * MINUTE}`]: '3' })
    expect((await store.getKeyById(record.id))?.remaining).toBe(7)
  })

  it('a request the primary refuses for credits gets its counts back', async () => {
    const t = Date.now()
    const w = createKeywarden({ store, prefix: 'lim', lastUsed: false, usage: false, now: () => new Date(t) })
    const rule = { name: 'minute', limit: 2, windowMs: MINUTE }
    const { key } = await w.keys.create({ name: 'poor', remaining: 1, rateLimits: [rule] })
    expect(await w.keys.verify(key, { cost: 5 })).toMatchObject({
      code: 'USAGE_EXCEEDED',
      remaining: 1,
    })
    // Both slots of the limit are still free.
    expect(await w.keys.verify(key)).toMatchObject({
      valid: true,
      limits: [{ name: 'minute', remaining: 1 }],
    })
  })

  it('the counters failing: deny throws StoreError, allow admits with limiterError', async () => {
    const broken = major.client(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 })
    const tier = redisStore({ client: broken, namespace })
    const failing = cachedStore({
      primary: sqlStore({ db }, { tablePrefix: 'kw_' }),
      cache: tier,
      onError: () => {},
    })
    broken.disconnect()
    const w = createKeywarden({ store: failing, prefix: 'lim', lastUsed: false, usage: false })
    const { key } = await w.keys.create({
      name: 'tier down',
      rateLimits: [{ name: 's', limit: 5, windowMs: 1000 }],
    })
    await expect(w.keys.verify(key)).rejects.toBeInstanceOf(StoreError)
    const lenient = createKeywarden({
      store: failing,
      prefix: 'lim',
      lastUsed: false,
      usage: false,
      onLimiterError: 'allow',
    })
    expect(await lenient.keys.verify(key)).toMatchObject({ valid: true, limiterError: true })
  })
})
