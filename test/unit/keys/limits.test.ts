import { describe, expect, it } from 'vitest'
import { ConfigError, StoreError, ValidationError } from '../../../packages/keywarden/src/errors.js'
import { createKeywarden } from '../../../packages/keywarden/src/index.js'
import { latestRefillBoundary } from '../../../packages/keywarden/src/keys/limits.js'
import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'

function setup(options: Partial<Parameters<typeof createKeywarden>[0]> = {}) {
  let t = Date.UTC(2031, 0, 15, 12, 0, 0)
  const warden = createKeywarden({
    store: memoryStore(),
    prefix: 'lim',
    now: () => new Date(t),
    lastUsed: false,
    ...options,
  })
  return { warden, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms), at: () => t }
}

describe('usage limits through verify', () => {
  it('spends credits and answers USAGE_EXCEEDED when they run out; cost 0 spends nothing', async () => {
    const { warden } = setup()
    const { key } = await warden.keys.create({ name: 'k', remaining: 3 })
    expect(await warden.keys.verify(key, { cost: 0 })).toMatchObject({ valid: true, remaining: 3 })
    expect(await warden.keys.verify(key, { cost: 2 })).toMatchObject({ valid: true, remaining: 1 })
    expect(await warden.keys.verify(key, { cost: 2 })).toMatchObject({
      valid: false,
      code: 'USAGE_EXCEEDED',
      remaining: 1,
    })
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: 0 })
    expect(await warden.keys.verify(key)).toMatchObject({
      valid: false,
      code: 'USAGE_EXCEEDED',
      remaining: 0,
    })
    await expect(warden.keys.verify(key, { cost: -1 })).rejects.toThrow(ValidationError)
    await expect(warden.keys.verify(key, { cost: 1.5 })).rejects.toThrow(ValidationError)
  })

  it('answers RATE_LIMITED with name, limit, remaining, reset and retryAfterMs, leaving credits unchanged', async () => {
    const { warden, advance, at } = setup()
    const { key, record } = await warden.keys.create({
      name: 'k',
      remaining: 100,
      rateLimits: [{ name: 'per-second', limit: 2, windowMs: 1000 }],
    })
    expect(await warden.keys.verify(key)).toMatchObject({
      valid: true,
      remaining: 99,
      limits: [{ name: 'per-second', remaining: 1 }],
    })
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: 98 })
    const refused = await warden.keys.verify(key)
    expect(refused).toMatchObject({
      valid: false,
      code: 'RATE_LIMITED',
      name: 'per-second',
      limit: 2,
      remaining: 0,
    })
    if (refused.valid || refused.code !== 'RATE_LIMITED') throw new Error('expected RATE_LIMITED')
    expect(refused.reset.getTime()).toBe(Math.floor(at() / 1000) * 1000 + 1000)
    expect(refused.retryAfterMs).toBeGreaterThan(0)
    expect((await warden.keys.get(record.id))?.remaining).toBe(98)
    advance(refused.retryAfterMs + 1000)
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: 97 })
  })

  it('checks in order: revoked and expired and scopes before limits, limits spend nothing then', async () => {
    const { warden } = setup()
    const { key, record } = await warden.keys.create({ name: 'k', remaining: 5, scopes: ['a:read'] })
    expect(await warden.keys.verify(key, { scopes: ['a:write'] })).toMatchObject({
      code: 'INSUFFICIENT_SCOPES',
    })
    expect((await warden.keys.get(record.id))?.remaining).toBe(5)
    await warden.keys.revoke(record.id)
    expect(await warden.keys.verify(key)).toMatchObject({ code: 'REVOKED' })
    expect((await warden.keys.get(record.id))?.remaining).toBe(5)
  })

  it('refills at the boundary (injected clock): monthly on dayOfMonth, setting not adding', async () => {
    const { warden, set } = setup()
    set(Date.UTC(2031, 0, 15))
    const { key } = await warden.keys.create({
      name: 'k',
      remaining: 2,
      refill: { amount: 10, interval: 'monthly', dayOfMonth: 31 },
    })
    expect(await warden.keys.verify(key)).toMatchObject({ remaining: 1 })
    set(Date.UTC(2031, 0, 30, 23, 59, 59, 999))
    expect(await warden.keys.verify(key)).toMatchObject({ remaining: 0 })
    expect(await warden.keys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED' })
    set(Date.UTC(2031, 0, 31))
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: 9 })
    // February has no 31st: the boundary is its last day.
    set(Date.UTC(2031, 1, 27, 23, 59, 59, 999))
    expect(await warden.keys.verify(key)).toMatchObject({ remaining: 8 })
    set(Date.UTC(2031, 1, 28))
    expect(await warden.keys.verify(key)).toMatchObject({ remaining: 9 })
  })

  it('computes refill boundaries on a fixed grid', () => {
    const created = Date.UTC(2031, 0, 1, 6)
    expect(
      latestRefillBoundary({ amount: 1, intervalMs: 3_600_000 }, created, created + 3_599_999),
    ).toBeNull()
    expect(latestRefillBoundary({ amount: 1, intervalMs: 3_600_000 }, created, created + 7_300_000)).toBe(
      created + 7_200_000,
    )
    expect(
      latestRefillBoundary({ amount: 1, interval: 'daily' }, created, Date.UTC(2031, 0, 1, 23)),
    ).toBeNull()
    expect(latestRefillBoundary({ amount: 1, interval: 'daily' }, created, Date.UTC(2031, 0, 3, 5))).toBe(
      Date.UTC(2031, 0, 3),
    )
    expect(latestRefillBoundary({ amount: 1, interval: 'monthly' }, created, Date.UTC(2031, 2, 15))).toBe(
      Date.UTC(2031, 2, 1),
    )
    expect(
      latestRefillBoundary(
        { amount: 1, interval: 'monthly', dayOfMonth: 20 },
        created,
        Date.UTC(2031, 2, 15),
      ),
    ).toBe(Date.UTC(2031, 1, 20))
    expect(
      latestRefillBoundary({ amount: 1, interval: 'monthly', dayOfMonth: 20 }, created, Date.UTC(2031, 0, 2)),
    ).toBeNull()
  })

  it('validates limit settings, and refuses limits on a store without counters', async () => {
    const { warden } = setup()
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ remaining: -1 }, 'remaining'],
      [{ remaining: 1, refill: { amount: 1 } }, 'refill'],
      [{ refill: { amount: 1, interval: 'daily' } }, 'refill'],
      [{ remaining: 1, refill: { amount: 1, interval: 'monthly', dayOfMonth: 32 } }, 'refill.dayOfMonth'],
      [{ rateLimits: [{ name: 'a', limit: 0, windowMs: 1000 }] }, 'rateLimits[0].limit'],
      [{ rateLimits: [{ name: 'a', limit: 1, windowMs: 10 }] }, 'rateLimits[0].windowMs'],
      [
        {
          rateLimits: [
            { name: 'a', limit: 1, windowMs: 1000 },
            { name: 'a', limit: 2, windowMs: 1000 },
          ],
        },
        'rateLimits[1].name',
      ],
    ]
    for (const [input, field] of bad) {
      const error = await warden.keys.create({ name: 'k', ...input }).catch((e: unknown) => e)
      expect(error, JSON.stringify(input)).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).field).toBe(field)
    }
    const { consumeKey: _omit, ...withoutCounters } = memoryStore()
    const plain = createKeywarden({ store: withoutCounters, prefix: 'lim', lastUsed: false })
    await expect(plain.keys.create({ name: 'k', remaining: 5 })).rejects.toThrow(ConfigError)
    expect((await plain.keys.create({ name: 'k' })).record.remaining).toBeNull()
  })

  it('fails closed when the counters fail (deny), or lets through with limiterError (allow)', async () => {
    const inner = memoryStore()
    const broken = { ...inner, consumeKey: async () => Promise.reject(new Error('redis down')) }
    const deny = createKeywarden({ store: broken, prefix: 'lim', lastUsed: false })
    const { key } = await deny.keys.create({ name: 'k', remaining: 5 })
    await expect(deny.keys.verify(key)).rejects.toThrow(StoreError)
    const allow = createKeywarden({ store: broken, prefix: 'lim', lastUsed: false, onLimiterError: 'allow' })
    expect(await allow.keys.verify(key)).toMatchObject({ valid: true, limiterError: true })
    // Without limits nothing touches the counters.
    const free = await deny.keys.create({ name: 'free' })
    expect(await deny.keys.verify(free.key)).toMatchObject({ valid: true, remaining: null, limits: [] })
  })

  it('update changes limits and resets the refill clock', async () => {
    const { warden } = setup()
    const { key, record } = await warden.keys.create({ name: 'k', remaining: 1 })
    await warden.keys.verify(key)
    expect(await warden.keys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED' })
    const updated = await warden.keys.update(record.id, {
      remaining: 5,
      rateLimits: [{ name: 'm', limit: 10, windowMs: 60_000 }],
    })
    expect(updated).toMatchObject({ remaining: 5, rateLimits: [{ name: 'm', limit: 10, windowMs: 60_000 }] })
    expect(await warden.keys.verify(key)).toMatchObject({
      valid: true,
      remaining: 4,
      limits: [{ name: 'm', remaining: 9 }],
    })
    const cleared = await warden.keys.update(record.id, { remaining: null, rateLimits: [] })
    expect(cleared.remaining).toBeNull()
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: null })
  })
})
