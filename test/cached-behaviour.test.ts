import { afterAll, describe, expect, it } from 'vitest'
import { StoreError } from '../packages/keywarden/src/errors.js'
import { createKeywarden } from '../packages/keywarden/src/keys/keywarden.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'
import { countingStore, makeStoredKey } from '../packages/keywarden/src/testing/index.js'
import { deleteNamespace } from './support/redis-servers.js'
import { redisMajors, serviceSkip, uniqueName } from './support/services.js'

const redisSkip = await serviceSkip('redis')

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2030, 0, 1)) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

/** A primary that can be switched off: every call throws while `down`. */
function switchable(store: KeyStore) {
  const state = { down: false }
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) =>
        state.down ? Promise.reject(new Error('primary unreachable')) : value.apply(target, args)
    },
  })
  return { store: proxy, state }
}

/** A well-formed key of prefix `t` that no store knows. */
async function unknownKey(): Promise<string> {
  const other = createKeywarden({ store: memoryStore(), prefix: 't', lastUsed: false })
  return (await other.keys.create({ name: 'elsewhere' })).key
}

describe('cachedStore: negative caching and single-flight', () => {
  it('reads the primary at most once per negativeTtlMs for an unknown key verified 10,000 times', async () => {
    const primary = countingStore(memoryStore())
    const clock = manualClock()
    const store = cachedStore({ primary, negativeTtlMs: 1000, now: clock.now })
    const warden = createKeywarden({ store, prefix: 't', lastUsed: false })
    const key = await unknownKey()
    for (let i = 0; i < 10_000; i++) {
      expect((await warden.keys.verify(key)).valid).toBe(false)
      clock.advance(1)
    }
    // 10,000 ms of clock with a 1,000 ms negative TTL: one read per window, no more.
    expect(primary.calls.getKeyByHash).toBe(10)
  })

  it('makes one primary read for 100 concurrent verifications of one uncached key', async () => {
    const primary = countingStore(memoryStore())
    const store = cachedStore({ primary })
    const warden = createKeywarden({ store, prefix: 't', lastUsed: false })
    const { key } = await warden.keys.create({ name: 'hot' })
    const results = await Promise.all(Array.from({ length: 100 }, () => warden.keys.verify(key)))
    expect(results.every((r) => r.valid)).toBe(true)
    expect(primary.calls.getKeyByHash).toBe(1)
    const unknown = await unknownKey()
    const misses = await Promise.all(Array.from({ length: 100 }, () => warden.keys.verify(unknown)))
    expect(misses.every((r) => !r.valid && r.code === 'NOT_FOUND')).toBe(true)
    expect(primary.calls.getKeyByHash).toBe(2)
  })
})

describe('cachedStore: staleness and failure policy', () => {
  it('neither caches nor shares a read that an invalidation overtook', async () => {
    const memory = memoryStore()
    let hold: Promise<void> | null = null
    // A primary whose first answer is read at once but delivered late: it is the old version.
    const slow: KeyStore = {
      ...memory,
      async getKeyByHash(hash) {
        const answer = await memory.getKeyByHash(hash)
        if (hold) await hold
        return answer
      },
    }
    const store = cachedStore({ primary: slow, ttlMs: 3_600_000 })
    const key = makeStoredKey()
    await store.createKey(key)
    let release = () => {}
    hold = new Promise((resolve) => {
      release = resolve
    })
    const early = store.getKeyByHash(key.hash)
    await new Promise((resolve) => setImmediate(resolve))
    hold = null
    await store.updateKey(key.id, { revokedAt: new Date(), updatedAt: new Date() })
    // A read after the write does not join the read from before it.
    expect((await store.getKeyByHash(key.hash))?.revokedAt).not.toBeNull()
    release()
    expect((await early)?.revokedAt).toBeNull() // what the primary said before the write
    expect((await store.getKeyByHash(key.hash))?.revokedAt).not.toBeNull()
    expect(store.peekKeyByHash?.(key.hash)?.revokedAt).not.toBeNull()
  })

  it('serves a stale entry while exactly one background refresh runs, then the new value', async () => {
    const memory = memoryStore()
    const primary = countingStore(memory)
    const clock = manualClock()
    const store = cachedStore({ primary, ttlMs: 1000, staleMs: 5000, now: clock.now })
    const key = makeStoredKey({ name: 'before' })
    await store.createKey(key)
    expect((await store.getKeyByHash(key.hash))?.name).toBe('before')
    // Changed behind the cache's back (another writer without invalidation).
    await memory.updateKey(key.id, { name: 'after', updatedAt: new Date() })
    clock.advance(1500)
    primary.resetCalls()
    const reads = await Promise.all(Array.from({ length: 50 }, () => store.getKeyByHash(key.hash)))
    expect(reads.every((r) => r?.name === 'before')).toBe(true)
    expect(primary.calls.getKeyByHash).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect((await store.getKeyByHash(key.hash))?.name).toBe('after')
    expect(primary.calls.getKeyByHash).toBe(1)
  })

  it('with the primary down serves a cached key until staleMs, then fails closed with StoreError', async () => {
    const { store: primary, state } = switchable(memoryStore())
    const clock = manualClock()
    const errors: unknown[] = []
    const store = cachedStore({
      primary,
      ttlMs: 1000,
      staleMs: 4000,
      negativeTtlMs: 1000,
      now: clock.now,
      onError: (e) => errors.push(e),
    })
    const warden = createKeywarden({ store, prefix: 't', lastUsed: false })
    const { key } = await warden.keys.create({ name: 'k' })
    const unknown = await unknownKey()
    expect((await warden.keys.verify(key)).valid).toBe(true)
    expect((await warden.keys.verify(unknown)).valid).toBe(false)
    state.down = true
    clock.advance(2000) // stale: served, the background refresh fails quietly
    expect((await warden.keys.verify(key)).valid).toBe(true)
    await expect(warden.keys.verify(unknown)).rejects.toBeInstanceOf(StoreError)
    clock.advance(3500) // past ttlMs + staleMs
    await expect(warden.keys.verify(key)).rejects.toBeInstanceOf(StoreError)
    await expect(warden.keys.verify(key)).rejects.toThrow(/failing closed/)
    expect(errors.length).toBeGreaterThan(0)
    state.down = false
    expect((await warden.keys.verify(key)).valid).toBe(true)
  })

  it('drops the local entry on revoke, so the next verification is REVOKED', async () => {
    const store = cachedStore({ primary: memoryStore(), ttlMs: 3_600_000 })
    const warden = createKeywarden({ store, prefix: 't', lastUsed: false })
    const { key, record } = await warden.keys.create({ name: 'k' })
    expect((await warden.keys.verify(key)).valid).toBe(true)
    await warden.keys.revoke(record.id)
    expect(await warden.keys.verify(key)).toMatchObject({ valid: false, code: 'REVOKED' })
    await warden.keys.delete(record.id)
    expect(await warden.keys.verify(key)).toMatchObject({ valid: false, code: 'NOT_FOUND' })
  })

  it('updates cached last-used times in place instead of dropping the entry', async () => {
    const primary = countingStore(memoryStore())
    const store = cachedStore({ primary })
    const key = makeStoredKey()
    await store.createKey(key)
    await store.getKeyByHash(key.hash)
    const at = new Date(Date.UTC(2030, 5, 1))
    await store.touchKeys([{ id: key.id, lastUsedAt: at }])
    primary.resetCalls()
    expect((await store.getKeyByHash(key.hash))?.lastUsedAt?.getTime()).toBe(at.getTime())
    expect(primary.calls.getKeyByHash).toBeUndefined()
  })
})

/** Waits (bounded) for the background fill of the tier to land. */
async function untilCached(cache: ReturnType<typeof redisStore>, hash: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await cache.lookupCachedKey(hash)).key) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error('the cache tier was never filled')
}

describe.skipIf(redisSkip).each(redisMajors)('cachedStore: Redis tier ($name)', (major) => {
  const namespaces: string[] = []
  // One client of this ioredis major serves every tier of the block (each has its own namespace).
  const admin = major.client()
  afterAll(async () => {
    for (const ns of namespaces) await deleteNamespace(admin, ns)
    await admin.quit()
  })
  const tier = () => {
    const namespace = uniqueName('kwcache')
    namespaces.push(namespace)
    return redisStore({ client: admin, namespace })
  }

  it('refuses a fill from a read older than the last invalidation', async () => {
    const cache = tier()
    const key = makeStoredKey()
    const before = await cache.lookupCachedKey(key.hash)
    expect(before.key).toBeNull()
    await cache.forgetCachedKey(key.hash)
    expect(await cache.fillCachedKey(key, before.generation, 60_000)).toBe(false)
    const after = await cache.lookupCachedKey(key.hash)
    expect(await cache.fillCachedKey(key, after.generation, 60_000)).toBe(true)
    expect((await cache.lookupCachedKey(key.hash)).key?.id).toBe(key.id)
    expect(await admin.pttl(`${cache.namespace}:key:{${key.hash}}`)).toBeGreaterThan(59_000)
    await cache.close()
  })

  it('serves a second instance from the tier without touching the primary', async () => {
    const cache = tier()
    const primary = countingStore(memoryStore())
    const a = cachedStore({ primary, cache })
    const b = cachedStore({ primary, cache })
    const key = makeStoredKey()
    await a.createKey(key)
    await a.getKeyByHash(key.hash)
    await untilCached(cache, key.hash)
    primary.resetCalls()
    expect((await b.getKeyByHash(key.hash))?.id).toBe(key.id)
    expect(primary.calls.getKeyByHash).toBeUndefined()
    await cache.close()
  })

  it('replays an invalidation the tier missed before reading it again (no stale accept)', async () => {
    const cache = tier()
    let broken = false
    const flaky = new Proxy(cache, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (property === 'forgetCachedKey')
          return (hash: string) =>
            broken ? Promise.reject(new Error('tier unreachable')) : value.call(target, hash)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const clock = manualClock(Date.now())
    const errors: unknown[] = []
    const primary = memoryStore()
    const store = cachedStore({
      primary,
      cache: flaky,
      ttlMs: 60_000,
      now: clock.now,
      onError: (e) => errors.push(e),
    })
    const warden = createKeywarden({ store, prefix: 't', lastUsed: false })
    const { key, record } = await warden.keys.create({ name: 'k' })
    expect((await warden.keys.verify(key)).valid).toBe(true)
    await untilCached(cache, (await primary.getKeyById(record.id))?.hash as string)
    broken = true
    await warden.keys.revoke(record.id) // the tier keeps its unrevoked copy
    expect(errors).toHaveLength(1)
    broken = false
    clock.advance(1000) // the tier is tried again
    expect(await warden.keys.verify(key)).toMatchObject({ valid: false, code: 'REVOKED' })
    await cache.close()
  })

  it('reports a dead tier through onError, rate-limited, and keeps answering from the primary', async () => {
    const errors: unknown[] = []
    const dead = redisStore({ url: 'redis://127.0.0.1:1', namespace: 'kwdead' })
    const primary = countingStore(memoryStore())
    const clock = manualClock()
    const store = cachedStore({
      primary,
      cache: dead,
      ttlMs: 1,
      staleMs: 0,
      now: clock.now,
      onError: (e) => errors.push(e),
    })
    const warden = createKeywarden({ store, prefix: 't', lastUsed: false })
    const { key } = await warden.keys.create({ name: 'k' })
    for (let i = 0; i < 500; i++) {
      expect((await warden.keys.verify(key)).valid).toBe(true)
      clock.advance(1000)
    }
    expect(primary.calls.getKeyByHash).toBe(500)
    expect(errors.length).toBe(1)
    expect(errors[0]).toBeInstanceOf(StoreError)
    await store.close()
  })

  it('drops a revoked key on every instance over pub/sub', async () => {
    const channel = `${uniqueName('kwchan')}:invalidate`
    const primary = memoryStore()
    const make = () => cachedStore({ primary, ttlMs: 3_600_000, invalidation: { redis: admin, channel } })
    const a = make()
    const b = make()
    await Promise.all([a.ready(), b.ready()])
    const wa = createKeywarden({ store: a, prefix: 't', lastUsed: false })
    const wb = createKeywarden({ store: b, prefix: 't', lastUsed: false })
    const { key, record } = await wa.keys.create({ name: 'k' })
    expect((await wb.keys.verify(key)).valid).toBe(true)
    const started = performance.now()
    await wa.keys.revoke(record.id)
    let result = await wb.keys.verify(key)
    while (result.valid && performance.now() - started < 2000) {
      await new Promise((r) => setTimeout(r, 5))
      result = await wb.keys.verify(key)
    }
    const delay = performance.now() - started
    console.log(`[cached] revoke seen by the other instance after ${delay.toFixed(1)} ms`)
    expect(result).toMatchObject({ valid: false, code: 'REVOKED' })
    expect(delay).toBeLessThan(1000)
    await Promise.all([a.close(), b.close()])
  })

  it('has cleared the Redis tier by the time other instances get the message', async () => {
    const cache = tier()
    const channel = `${uniqueName('kwchan')}:invalidate`
    const primary = memoryStore()
    const store = cachedStore({ primary, cache, invalidation: { redis: admin, channel } })
    await store.ready()
    const key = makeStoredKey()
    await store.createKey(key)
    await store.getKeyByHash(key.hash)
    await untilCached(cache, key.hash)
    // What another instance does on the message: read the tier again. It must not find the old entry.
    const listener = major.client()
    const seen = new Promise<unknown>((resolve) => {
      listener.on('message', () => resolve(cache.lookupCachedKey(key.hash).then((hit) => hit.key)))
    })
    await listener.subscribe(channel)
    await store.updateKey(key.id, { revokedAt: new Date(), updatedAt: new Date() })
    expect(await seen).toBeNull()
    await listener.quit()
    await store.close()
  })
})
