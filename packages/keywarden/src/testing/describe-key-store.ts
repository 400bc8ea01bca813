import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConflictError } from '../errors.js'
import { KEY_DATES } from '../stores/dates.js'
import type { KeyStore, StoredKey } from '../stores/types.js'
import { counterContract } from './describe-counters.js'
import { noticeContract } from './describe-notices.js'
import { rollContract } from './describe-roll.js'
import { makeStoredKey, uniqueOwner } from './fixtures.js'
import { missingMethods } from './requires.js'

export interface DescribeStoreOptions {
  /** Skip the whole suite (e.g. when the server is not reachable), with this reason printed. */
  skip?: string | false
  /** Concurrent creates in the concurrency test. Default 200. */
  concurrency?: number
  /** Called after the store is closed, to drop tables/namespaces. */
  cleanup?: () => Promise<void> | void
}

function sameInstant(actual: Date | null, expected: Date | null): void {
  if (expected === null) {
    expect(actual).toBeNull()
    return
  }
  expect(actual).toBeInstanceOf(Date)
  expect(actual?.getTime()).toBe(expected.getTime())
}

/** Asserts two stored keys are equal field by field, with dates compared to the millisecond. */
export function expectSameKey(actual: StoredKey | null, expected: StoredKey): void {
  expect(actual).not.toBeNull()
  const a = actual as StoredKey
  for (const field of KEY_DATES) {
    // limitId and limitCreatedAt are optional: absent and null mean the same.
    sameInstant(a[field] ?? null, expected[field] ?? null)
  }
  const strip = ({
    createdAt,
    updatedAt,
    expiresAt,
    revokedAt,
    lastUsedAt,
    lastRefillAt,
    limitCreatedAt,
    limitId,
    ...rest
  }: StoredKey) => rest
  expect(strip(a)).toEqual(strip(expected))
  expect(a.limitId ?? null).toBe(expected.limitId ?? null)
}

/**
 * The contract every KeyStore must pass. Run it in a vitest file:
 * `describeKeyStore('postgres', () => sqlStore({ url }))`.
 * The factory is called once; the store is shared by the tests, which isolate themselves by owner.
 * The tests of the optional methods (consumeKey: usage limits; rollKey: atomic roll with shared
 * limits) run only when the store implements them; otherwise they are skipped with a note naming
 * the missing method.
 */
export function describeKeyStore(
  name: string,
  factory: () => KeyStore | Promise<KeyStore>,
  options: DescribeStoreOptions = {},
): void {
  const { skip = false, concurrency = 200, cleanup } = options
  const suite = skip ? describe.skip : describe
  if (skip) console.warn(`[keywarden] skipping KeyStore contract "${name}": ${skip}`)

  suite(`KeyStore contract: ${name}`, () => {
    let store: KeyStore
    beforeAll(async () => {
      store = await factory()
      const missing = missingMethods(store, ['consumeKey', 'rollKey'])
      if (missing.length > 0) {
        console.warn(
          `[keywarden] KeyStore contract "${name}": the store does not implement ${missing.join(' or ')}; skipping the tests that need it`,
        )
      }
    })
    afterAll(async () => {
      await store?.close()
      await cleanup?.()
    })

    it('creates a key and reads it back by hash and by id, every field intact', async () => {
      const key = makeStoredKey({
        ownerId: uniqueOwner(),
        scopes: ['users:read', 'users:*'],
        metadata: { plan: 'pro', nested: { a: [1, 2, { b: null }] }, flag: true, n: 1.5 },
        expiresAt: new Date(Date.now() + 86_400_000),
        remaining: 10,
        refill: { amount: 10, interval: 'monthly', dayOfMonth: 1 },
        rateLimits: [{ name: 'burst', limit: 5, windowMs: 1000 }],
      })
      await store.createKey(key)
      expectSameKey(await store.getKeyByHash(key.hash), key)
      expectSameKey(await store.getKeyById(key.id), key)
    })

    it('answers null for an unknown hash or id', async () => {
      expect(await store.getKeyByHash('0'.repeat(64))).toBeNull()
      expect(await store.getKeyById('key_does_not_exist')).toBeNull()
    })

    it('refuses a duplicate id or hash with ConflictError and keeps the first', async () => {
      const key = makeStoredKey({ name: 'first' })
      await store.createKey(key)
      await expect(store.createKey(makeStoredKey({ id: key.id }))).rejects.toBeInstanceOf(ConflictError)
      await expect(store.createKey(makeStoredKey({ hash: key.hash, name: 'second' }))).rejects.toBeInstanceOf(
        ConflictError,
      )
      expect((await store.getKeyByHash(key.hash))?.name).toBe('first')
    })

    it('round-trips dates with millisecond precision in UTC', async () => {
      const at = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 789))
      const key = makeStoredKey({
        createdAt: new Date(Date.UTC(2020, 1, 29, 23, 59, 59, 1)),
        updatedAt: new Date(Date.UTC(2020, 1, 29, 23, 59, 59, 999)),
        expiresAt: at,
        revokedAt: new Date(Date.UTC(2030, 11, 31, 0, 0, 0, 123)),
        lastUsedAt: new Date(Date.UTC(2025, 5, 15, 12, 30, 45, 5)),
      })
      await store.createKey(key)
      expectSameKey(await store.getKeyById(key.id), key)
    })

    it('stores unicode and quote-heavy names and metadata exactly', async () => {
      const tricky = `O'Brien "quoted" \\ back\`tick '; drop table x; -- 🔑 ключ 鍵 𝔘𝔫𝔦 \n\t`
      const key = makeStoredKey({
        name: tricky.slice(0, 128),
        ownerId: `owner-${tricky.slice(0, 40)}`,
        metadata: { [tricky]: tricky, list: ['🎉', "'", '"', '\\', '%', '_'], emoji: '👩‍👩‍👧‍👦' },
      })
      await store.createKey(key)
      expectSameKey(await store.getKeyById(key.id), key)
      const page = await store.listKeys({ ownerId: key.ownerId as string, limit: 10 })
      expect(page.items.map((k) => k.id)).toEqual([key.id])
    })

    it('updates the given fields only and returns the updated key', async () => {
      const key = makeStoredKey({ scopes: ['a:b'], metadata: { keep: 1 } })
      await store.createKey(key)
      const later = new Date(key.createdAt.getTime() + 1234)
      const updated = await store.updateKey(key.id, {
        name: 'renamed',
        scopes: ['c:d'],
        revokedAt: later,
        updatedAt: later,
      })
      const expected = { ...key, name: 'renamed', scopes: ['c:d'], revokedAt: later, updatedAt: later }
      expectSameKey(updated, expected)
      expectSameKey(await store.getKeyByHash(key.hash), expected)
      expect(await store.updateKey('key_missing', { name: 'x', updatedAt: later })).toBeNull()
    })

    it('updates to null clear the field', async () => {
      const key = makeStoredKey({
        expiresAt: new Date(Date.now() + 1000),
        ownerId: uniqueOwner(),
        remaining: 5,
      })
      await store.createKey(key)
      const updated = await store.updateKey(key.id, {
        expiresAt: null,
        remaining: null,
        updatedAt: new Date(),
      })
      expect(updated?.expiresAt).toBeNull()
      expect(updated?.remaining).toBeNull()
      expect((await store.getKeyById(key.id))?.expiresAt).toBeNull()
    })

    it('deletes by id: gone by id and by hash, and a second delete answers false', async () => {
      const key = makeStoredKey()
      await store.createKey(key)
      expect(await store.deleteKey(key.id)).toBe(true)
      expect(await store.getKeyById(key.id)).toBeNull()
      expect(await store.getKeyByHash(key.hash)).toBeNull()
      expect(await store.deleteKey(key.id)).toBe(false)
    })

    it('lists by owner newest first with cursor pagination', async () => {
      const ownerId = uniqueOwner()
      const base = Date.now() - 100_000
      const keys = Array.from({ length: 7 }, (_, i) =>
        makeStoredKey({ ownerId, createdAt: new Date(base + i * 1000) }),
      )
      // Two keys in the same millisecond: ordered by id, both listed.
      keys.push(makeStoredKey({ ownerId, createdAt: new Date(base + 3000) }))
      for (const key of keys) await store.createKey(key)
      await store.createKey(makeStoredKey({ ownerId: uniqueOwner('other') }))
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page = await store.listKeys({ ownerId, limit: 3, cursor })
        expect(page.items.length).toBeLessThanOrEqual(3)
        seen.push(...page.items.map((k) => k.id))
        cursor = page.nextCursor
      } while (cursor)
      const expected = [...keys]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((k) => k.id)
      expect(seen).toEqual(expected)
    })

    it('lists with no gaps or duplicates while keys are added between pages', async () => {
      const ownerId = uniqueOwner()
      const base = Date.now() - 50_000
      const original = Array.from({ length: 10 }, (_, i) =>
        makeStoredKey({ ownerId, createdAt: new Date(base + i) }),
      )
      for (const key of original) await store.createKey(key)
      const seen: string[] = []
      let cursor: string | null = null
      let round = 0
      do {
        const page = await store.listKeys({ ownerId, limit: 4, cursor })
        seen.push(...page.items.map((k) => k.id))
        cursor = page.nextCursor
        // New keys are newer than every page already read: they must not shift later pages.
        await store.createKey(makeStoredKey({ ownerId, createdAt: new Date(Date.now() + round++) }))
      } while (cursor)
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen).toEqual([...original].reverse().map((k) => k.id))
    })

    it('lists every owner when ownerId is not given', async () => {
      const a = makeStoredKey({ ownerId: uniqueOwner(), createdAt: new Date(Date.now() + 10_000_000) })
      const b = makeStoredKey({ ownerId: null, createdAt: new Date(Date.now() + 10_000_001) })
      await store.createKey(a)
      await store.createKey(b)
      const page = await store.listKeys({ limit: 2 })
      expect(page.items.map((k) => k.id)).toEqual([b.id, a.id])
      expect(page.nextCursor).not.toBeNull()
    })

    it('touches last-used for many keys in one call and ignores unknown ids', async () => {
      const keys = Array.from({ length: 5 }, () => makeStoredKey())
      for (const key of keys) await store.createKey(key)
      const at = new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 321))
      await store.touchKeys([
        ...keys.map((k) => ({ id: k.id, lastUsedAt: at })),
        { id: 'key_gone', lastUsedAt: at },
      ])
      for (const key of keys)
        expect((await store.getKeyById(key.id))?.lastUsedAt?.getTime()).toBe(at.getTime())
      await store.touchKeys([])
    })

    it(`survives ${concurrency} concurrent creates with no loss and conflicts detected`, async () => {
      const ownerId = uniqueOwner()
      const keys = Array.from({ length: concurrency }, () => makeStoredKey({ ownerId }))
      const results = await Promise.allSettled(keys.map((key) => store.createKey(key)))
      expect(results.filter((r) => r.status === 'rejected')).toEqual([])
      const ids = new Set<string>()
      let cursor: string | null = null
      do {
        const page = await store.listKeys({ ownerId, limit: 64, cursor })
        for (const key of page.items) ids.add(key.id)
        cursor = page.nextCursor
      } while (cursor)
      expect(ids.size).toBe(concurrency)
      const reads = await Promise.all(keys.map((key) => store.getKeyByHash(key.hash)))
      expect(reads.every((r, i) => r?.id === keys[i]?.id)).toBe(true)
      // The same hash raced from many callers: exactly one wins.
      const hash = makeStoredKey().hash
      const racers = Array.from({ length: 20 }, () => makeStoredKey({ hash, ownerId }))
      const race = await Promise.allSettled(racers.map((key) => store.createKey(key)))
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of race) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError)
    })

    counterContract(() => store, concurrency)
    rollContract(() => store, concurrency)
    noticeContract(() => store, Math.min(concurrency, 50))
  })
}
