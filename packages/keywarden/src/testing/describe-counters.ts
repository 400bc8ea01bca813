import { describe, expect, it } from 'vitest'
import type { ConsumeRequest, KeyStore } from '../stores/types.js'
import { makeStoredKey } from './fixtures.js'
import { requireMethods } from './requires.js'

const T0 = Date.UTC(2031, 0, 1, 0, 0, 0, 0)

function request(overrides: Partial<ConsumeRequest> = {}): ConsumeRequest {
  return { cost: 1, now: T0, rateLimits: [], refill: null, ...overrides }
}

/**
 * The counter part of the KeyStore contract (consumeKey), registered inside describeKeyStore.
 * `store()` returns the suite's shared store. consumeKey is optional: on a store without it the
 * tests are skipped with a note naming it (createKeywarden then refuses keys with limits).
 */
export function counterContract(store: () => KeyStore, concurrency: number): void {
  describe('counters (consumeKey)', () => {
    requireMethods(store, ['consumeKey'])
    counterTests(store, concurrency)
  })
}

function counterTests(store: () => KeyStore, concurrency: number): void {
  const consume = (id: string, req: ConsumeRequest) => {
    const s = store()
    if (!s.consumeKey) throw new Error('unreachable: requireMethods skips stores without consumeKey')
    return s.consumeKey(id, req)
  }

  it('counters: spends credits exactly, refuses below the cost, and cost 0 spends nothing', async () => {
    const key = makeStoredKey({ remaining: 3 })
    await store().createKey(key)
    expect(await consume(key.id, request({ cost: 0 }))).toMatchObject({ status: 'ok', remaining: 3 })
    expect(await consume(key.id, request({ cost: 2 }))).toMatchObject({ status: 'ok', remaining: 1 })
    expect(await consume(key.id, request({ cost: 2 }))).toMatchObject({
      status: 'usage_exceeded',
      remaining: 1,
    })
    expect(await consume(key.id, request())).toMatchObject({ status: 'ok', remaining: 0 })
    expect(await consume(key.id, request({ cost: 0 }))).toMatchObject({
      status: 'usage_exceeded',
      remaining: 0,
    })
    expect((await store().getKeyById(key.id))?.remaining).toBe(0)
    expect(await consume('key_missing', request())).toEqual({ status: 'not_found' })
  })

  it(`counters: ${concurrency} concurrent spends of a key with 50 credits admit exactly 50`, async () => {
    const key = makeStoredKey({ remaining: 50 })
    await store().createKey(key)
    const outcomes = await Promise.all(Array.from({ length: concurrency }, () => consume(key.id, request())))
    expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(50)
    expect(outcomes.filter((o) => o.status === 'usage_exceeded')).toHaveLength(concurrency - 50)
    expect((await store().getKeyById(key.id))?.remaining).toBe(0)
  })

  it(`counters: ${concurrency} concurrent verifications against a rate limit of 20 admit exactly 20, counted per key`, async () => {
    const rule = { name: 'burst', limit: 20, windowMs: 60_000 }
    const key = makeStoredKey({ rateLimits: [rule] })
    const other = makeStoredKey({ rateLimits: [rule] })
    await store().createKey(key)
    await store().createKey(other)
    const req = request({ rateLimits: [rule] })
    const outcomes = await Promise.all(Array.from({ length: concurrency }, () => consume(key.id, req)))
    expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(20)
    expect(outcomes.filter((o) => o.status === 'rate_limited')).toHaveLength(concurrency - 20)
    // Another key with the same rule name has its own counts.
    expect(await consume(other.id, req)).toMatchObject({
      status: 'ok',
      limits: [{ name: 'burst', remaining: 19 }],
    })
  })

  it('counters: refill sets the balance once per boundary, it does not add', async () => {
    const key = makeStoredKey({ remaining: 1, refill: { amount: 5, interval: 'daily' } })
    await store().createKey(key)
    const day = 86_400_000
    expect(await consume(key.id, request({ refill: { at: T0, amount: 5 } }))).toMatchObject({ remaining: 4 })
    expect(await consume(key.id, request({ refill: { at: T0, amount: 5 } }))).toMatchObject({ remaining: 3 })
    expect((await store().getKeyById(key.id))?.lastRefillAt?.getTime()).toBe(T0)
    const next = request({ now: T0 + day, refill: { at: T0 + day, amount: 5 } })
    expect(await consume(key.id, next)).toMatchObject({ status: 'ok', remaining: 4 })
  })

  it('counters: a sliding window over two fixed windows, with retry-after and reset', async () => {
    const rule = { name: 'burst', limit: 4, windowMs: 10_000 }
    const key = makeStoredKey({ rateLimits: [rule] })
    await store().createKey(key)
    const at = (ms: number) => request({ now: T0 + ms, rateLimits: [rule] })
    for (let i = 0; i < 4; i++) expect(await consume(key.id, at(i))).toMatchObject({ status: 'ok' })
    const refused = await consume(key.id, at(5))
    expect(refused).toMatchObject({
      status: 'rate_limited',
      blocked: { name: 'burst', limit: 4, remaining: 0, reset: T0 + 10_000 },
    })
    // Next window, 2.5 s in: the previous 4 weigh 4 × 0.75 = 3, so exactly one more fits.
    expect(await consume(key.id, at(12_500))).toMatchObject({
      status: 'ok',
      limits: [{ name: 'burst', remaining: 0 }],
    })
    const again = await consume(key.id, at(12_600))
    expect(again.status).toBe('rate_limited')
    // 4 × 0.74 + 1 + 1 > 4 until the previous window weighs <= 2: at 15 s, 2.4 s later.
    if (again.status === 'rate_limited') expect(again.retryAfterMs).toBe(2400)
    expect(await consume(key.id, at(15_000))).toMatchObject({ status: 'ok' })
  })

  it('counters: all or nothing — a rate-limited request spends no credits and counts against no other limit', async () => {
    const tight = { name: 'tight', limit: 1, windowMs: 60_000 }
    const loose = { name: 'loose', limit: 100, windowMs: 60_000 }
    const key = makeStoredKey({ remaining: 10, rateLimits: [loose, tight] })
    await store().createKey(key)
    const req = request({ rateLimits: [loose, tight] })
    expect(await consume(key.id, req)).toMatchObject({ status: 'ok', remaining: 9 })
    for (let i = 0; i < 5; i++) expect(await consume(key.id, req)).toMatchObject({ status: 'rate_limited' })
    expect((await store().getKeyById(key.id))?.remaining).toBe(9)
    const outcome = await consume(key.id, request({ rateLimits: [loose], cost: 0 }))
    expect(outcome).toMatchObject({ status: 'ok', limits: [{ name: 'loose', remaining: 99 }] })
  })
}
