import { describe, expect, it } from 'vitest'
import { StoreError, ValidationError } from '../../../packages/keywarden/src/errors.js'
import { createKeywarden } from '../../../packages/keywarden/src/index.js'
import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'
import type { KeyStore } from '../../../packages/keywarden/src/stores/types.js'

const T0 = Date.UTC(2030, 0, 1)
const DAY = 86_400_000

function setup(store: KeyStore = memoryStore()) {
  let t = T0
  const warden = createKeywarden({ store, prefix: 'test', now: () => new Date(t), lastUsed: false })
  return { store, warden, advance: (ms: number) => (t += ms) }
}

async function ids(warden: ReturnType<typeof setup>['warden']): Promise<string[]> {
  return (await warden.keys.list({ limit: 100 })).items.map((k) => k.id).sort()
}

describe('roll: expireOldInMs bounds', () => {
  it('refuses a grace past 366 days or past the old key’s own expiry, and creates nothing', async () => {
    const { warden } = setup()
    const forever = await warden.keys.create({ name: 'forever' })
    const expiring = await warden.keys.create({ name: 'soon', expiresAt: T0 + DAY })
    const before = await ids(warden)
    for (const [id, grace, message] of [
      [forever.record.id, Number.MAX_SAFE_INTEGER, /at most 31622400000 \(366 days\)/],
      [forever.record.id, 366 * DAY + 1, /at most 31622400000/],
      [expiring.record.id, DAY + 1, /at most 86400000: the old key expires then/],
      [forever.record.id, 1.5, /non-negative integer/],
      [forever.record.id, Number.POSITIVE_INFINITY, /non-negative integer/],
    ] as const) {
      const error = await warden.keys.roll(id, { expireOldInMs: grace }).catch((e) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.message).toMatch(message)
      expect(error.field).toBe('expireOldInMs')
    }
    expect(await ids(warden)).toEqual(before)
    expect((await warden.keys.get(forever.record.id))?.expiresAt).toBeNull()
    // Listing still works (an Invalid Date used to make it fail), and the longest grace is allowed.
    const rolled = await warden.keys.roll(forever.record.id, { expireOldInMs: 366 * DAY })
    expect(rolled.previous.expiresAt?.getTime()).toBe(T0 + 366 * DAY)
    expect(await ids(warden)).toHaveLength(3)
  })
})

describe('roll on a store without rollKey', () => {
  /** A memory store without rollKey whose updateKey fails when told to. */
  function thirdParty() {
    const inner = memoryStore()
    let failUpdate: 'throw' | 'null' | false = false
    const { rollKey: _, ...rest } = inner
    const store: KeyStore = {
      ...rest,
      async updateKey(id, patch) {
        if (failUpdate === 'throw') throw new StoreError('injected: the update failed')
        if (failUpdate === 'null') return null
        return inner.updateKey(id, patch)
      },
    }
    return { store, fail: (how: typeof failUpdate) => (failUpdate = how) }
  }

  it('creates, then updates, and deletes the new key when the update fails', async () => {
    const { store, fail } = thirdParty()
    const { warden } = setup(store)
    const old = await warden.keys.create({ name: 'svc' })
    fail('throw')
    await expect(warden.keys.roll(old.record.id, { expireOldInMs: 1000 })).rejects.toBeInstanceOf(StoreError)
    expect(await ids(warden)).toEqual([old.record.id])
    fail('null')
    await expect(warden.keys.roll(old.record.id)).rejects.toThrow(/no key has id/)
    expect(await ids(warden)).toEqual([old.record.id])
    fail(false)
    const rolled = await warden.keys.roll(old.record.id, { expireOldInMs: 1000 })
    expect(rolled.previous.expiresAt?.getTime()).toBe(T0 + 1000)
    expect(await ids(warden)).toEqual([old.record.id, rolled.record.id].sort())
  })
})

describe('roll: limits', () => {
  it('interval refills of a rolled key run on the first key’s grid, not once more per key', async () => {
    const { warden, advance } = setup()
    const hour = 3_600_000
    const first = await warden.keys.create({
      name: 'r',
      remaining: 1,
      refill: { amount: 1, intervalMs: hour },
    })
    advance(hour / 2)
    const second = await warden.keys.roll(first.record.id, { expireOldInMs: 10 * hour })
    let ok = 0
    // From +0.5 h to +2 h: the first credit and the refills at +1 h and +2 h (not also +1.5 h).
    for (let step = 0; step < 7; step++) {
      for (const key of [first.key, second.key]) if ((await warden.keys.verify(key)).valid) ok++
      advance(hour / 4)
    }
    expect(ok).toBe(3)
  })
})
