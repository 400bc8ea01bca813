import { describe, expect, it } from 'vitest'
import { ConflictError, ValidationError } from '../errors.js'
import type { ConsumeRequest, KeyStore, StoredKey } from '../stores/types.js'
import { makeStoredKey } from './fixtures.js'
import { requireMethods } from './requires.js'

const T0 = Date.UTC(2031, 0, 1, 0, 0, 0, 0)
const RULE = { name: 'm', limit: 2, windowMs: 60_000 }

/**
 * The roll part of the KeyStore contract (rollKey and limit groups), registered inside
 * describeKeyStore. `store()` returns the suite's shared store. rollKey is optional: on a store
 * without it (or, for the shared limits, without consumeKey) those tests are skipped with a note.
 */
export function rollContract(store: () => KeyStore, concurrency: number): void {
  const consume = (id: string, overrides: Partial<ConsumeRequest> = {}) => {
    const s = store()
    if (!s.consumeKey) throw new Error('this store has no consumeKey')
    return s.consumeKey(id, { cost: 1, now: T0, rateLimits: [], refill: null, ...overrides })
  }
  /** The successor of `old` as the engine builds it: same settings, old's limit group. */
  const successor = (old: StoredKey, overrides: Partial<StoredKey> = {}) =>
    makeStoredKey({
      remaining: old.remaining,
      rateLimits: old.rateLimits,
      limitId: old.limitId ?? old.id,
      limitCreatedAt: old.limitCreatedAt ?? old.createdAt,
      ...overrides,
    })
  const roll = async (old: StoredKey, next = successor(old)) => {
    const s = store()
    if (!s.rollKey) throw new Error('this store has no rollKey: rolled keys would not share their limits')
    const rolled = await s.rollKey(next, old.id, { expiresAt: new Date(T0 + 60_000), updatedAt: new Date() })
    if (!rolled) throw new Error(`rollKey answered null for an existing key ${old.id}`)
    return rolled
  }

  describe('roll (rollKey)', () => {
    requireMethods(store, ['rollKey'])
    it('roll: a failed roll leaves no new key and the old key unchanged', async () => {
      const old = makeStoredKey({ remaining: 4, rateLimits: [RULE] })
      const other = makeStoredKey()
      await store().createKey(old)
      await store().createKey(other)
      for (const clash of [{ hash: other.hash }, { id: other.id }]) {
        const next = successor(old, clash)
        await expect(roll(old, next)).rejects.toBeInstanceOf(ConflictError)
        const after = await store().getKeyById(old.id)
        expect(after).toMatchObject({ expiresAt: null, remaining: 4 })
        expect(after?.limitId ?? null).toBeNull()
        if (clash.hash) expect(await store().getKeyById(next.id)).toBeNull()
        expect((await store().getKeyByHash(other.hash))?.id).toBe(other.id)
      }
      const s = store()
      const orphan = successor(old)
      expect(await s.rollKey?.(orphan, 'key_missing', { updatedAt: new Date() })).toBeNull()
      expect(await s.getKeyById(orphan.id)).toBeNull()
      expect(await s.getKeyByHash(orphan.hash)).toBeNull()
    })

    it('refuses an Invalid Date on roll and stores nothing', async () => {
      const key = makeStoredKey()
      await store().createKey(key)
      const next = successor(key)
      await expect(
        store().rollKey?.(next, key.id, { expiresAt: new Date(Number.NaN), updatedAt: new Date() }),
      ).rejects.toBeInstanceOf(ValidationError)
      expect(await store().getKeyById(next.id)).toBeNull()
      expect((await store().getKeyById(key.id))?.expiresAt).toBeNull()
    })
  })

  describe('roll with shared limits (rollKey and consumeKey)', () => {
    requireMethods(store, ['rollKey', 'consumeKey'])
    it('roll: rollKey creates the new key in the old key’s group, with its balance, and patches the old key', async () => {
      const old = makeStoredKey({ remaining: 5, rateLimits: [RULE] })
      await store().createKey(old)
      expect(await consume(old.id, { rateLimits: [RULE] })).toMatchObject({ status: 'ok', remaining: 4 })
      const next = successor(old)
      const { previous, created } = await roll(old, next)
      expect(previous).toMatchObject({ id: old.id, limitId: old.id, expiresAt: new Date(T0 + 60_000) })
      expect(created).toMatchObject({ id: next.id, limitId: old.id, remaining: 4 })
      expect(created.limitCreatedAt?.getTime()).toBe(old.createdAt.getTime())
      for (const read of [await store().getKeyById(next.id), await store().getKeyByHash(next.hash)]) {
        expect(read).toMatchObject({ id: next.id, limitId: old.id, remaining: 4 })
      }
      expect(await store().getKeyById(old.id)).toMatchObject({ limitId: old.id, remaining: 4 })
    })

    it('roll: a key rolled 4 times shares one balance and one rate limit with every predecessor', async () => {
      const first = makeStoredKey({ remaining: 2, rateLimits: [RULE] })
      await store().createKey(first)
      const chain = [first]
      for (let i = 0; i < 4; i++) chain.push((await roll(chain[i] as StoredKey)).created)
      let ok = 0
      for (let round = 0; round < 3; round++) {
        for (const key of chain) if ((await consume(key.id, { rateLimits: [RULE] })).status === 'ok') ok++
      }
      expect(ok).toBe(2)
      for (const key of chain) expect((await store().getKeyById(key.id))?.remaining).toBe(0)
      // Rate limits alone are shared too.
      const limited = makeStoredKey({ rateLimits: [RULE] })
      await store().createKey(limited)
      const next = (await roll(limited)).created
      const outcomes = [limited, next, limited, next].map((k) => k.id)
      const statuses = []
      for (const id of outcomes) statuses.push((await consume(id, { rateLimits: [RULE] })).status)
      expect(statuses).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited'])
    })

    it(`roll: ${concurrency} concurrent spends alternating over a roll chain admit exactly the balance`, async () => {
      const first = makeStoredKey({ remaining: 50 })
      await store().createKey(first)
      const second = (await roll(first)).created
      // Rolling the first key again joins the same group.
      const third = (await roll(first)).created
      const ids = [first.id, second.id, third.id]
      const outcomes = await Promise.all(
        Array.from({ length: concurrency }, (_, i) => consume(ids[i % ids.length] as string)),
      )
      expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(50)
      expect(outcomes.filter((o) => o.status === 'usage_exceeded')).toHaveLength(concurrency - 50)
      for (const id of ids) expect((await store().getKeyById(id))?.remaining).toBe(0)

      const rule = { name: 'burst', limit: 20, windowMs: 60_000 }
      const limited = makeStoredKey({ rateLimits: [rule] })
      await store().createKey(limited)
      const after = (await roll(limited)).created
      const pair = [limited.id, after.id]
      const counted = await Promise.all(
        Array.from({ length: concurrency }, (_, i) => consume(pair[i % 2] as string, { rateLimits: [rule] })),
      )
      expect(counted.filter((o) => o.status === 'ok')).toHaveLength(20)
    })

    it('roll: the group outlives any one key — deleting the first keeps the balance and counts', async () => {
      const first = makeStoredKey({ remaining: 3, rateLimits: [RULE] })
      await store().createKey(first)
      const next = (await roll(first)).created
      expect(await consume(first.id, { rateLimits: [RULE] })).toMatchObject({ status: 'ok', remaining: 2 })
      expect(await store().deleteKey(first.id)).toBe(true)
      expect(await consume(next.id, { rateLimits: [RULE] })).toMatchObject({
        status: 'ok',
        remaining: 1,
        limits: [{ name: 'm', remaining: 0 }],
      })
      expect(await consume(next.id, { rateLimits: [RULE] })).toMatchObject({ status: 'rate_limited' })
    })

    it('roll: setting remaining on one key of a group sets the group’s balance', async () => {
      const first = makeStoredKey({ remaining: 1 })
      await store().createKey(first)
      const next = (await roll(first)).created
      await store().updateKey(next.id, { remaining: 7, lastRefillAt: null, updatedAt: new Date() })
      expect((await store().getKeyById(first.id))?.remaining).toBe(7)
      expect(await consume(first.id)).toMatchObject({ status: 'ok', remaining: 6 })
      expect((await store().getKeyById(next.id))?.remaining).toBe(6)
    })
  })

  it('refuses an Invalid Date on create and update, and stores nothing', async () => {
    const invalid = new Date(Number.NaN)
    const bad = makeStoredKey({ expiresAt: invalid })
    await expect(store().createKey(bad)).rejects.toBeInstanceOf(ValidationError)
    expect(await store().getKeyById(bad.id)).toBeNull()
    const key = makeStoredKey()
    await store().createKey(key)
    await expect(
      store().updateKey(key.id, { expiresAt: invalid, updatedAt: new Date() }),
    ).rejects.toBeInstanceOf(ValidationError)
    expect((await store().getKeyById(key.id))?.expiresAt).toBeNull()
  })
}
