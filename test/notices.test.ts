import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  createKeywarden,
  type KeywardenEvent,
  type NoticeStore,
  ValidationError,
} from '../packages/keywarden/src/index.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { type EngineName, freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajors, serviceSkip, uniqueName } from './support/services.js'

const DAY = 86_400_000
const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

type ClaimStore = NoticeStore & { close(): Promise<void> }
// Two handles on one place: two stores over one database, or one in-process store twice.
const memory = memoryStore()
const subjects: Array<{ name: string; skip: string | false; open: () => ClaimStore }> = [
  { name: 'memory', skip: false, open: () => memory },
]
for (const engine of ['sqlite-file', 'postgres', 'mysql'] as EngineName[]) {
  const place = freshPlace(engine, 'kwnotice')
  cleanups.push(() => place.cleanup())
  subjects.push({
    name: engine,
    skip: place.service ? await serviceSkip(place.service) : false,
    open: () => sqlStore({ url: place.url }, place.options),
  })
}
const redisSkip = await serviceSkip('redis')
const namespace = uniqueName('kwnotice')
cleanups.push(async () => {
  if (redisSkip) return
  const client = new Redis(REDIS_URL)
  await deleteNamespace(client, namespace)
  await client.quit()
})
subjects.push({ name: 'redis', skip: redisSkip, open: () => redisStore({ url: REDIS_URL, namespace }) })
// A user's client of each ioredis major (and RESP3 reply mapping), in the same namespace.
for (const major of redisMajors) {
  subjects.push({
    name: `redis (client, ${major.name})`,
    skip: redisSkip,
    open: () => {
      const client = major.client(REDIS_URL)
      return Object.assign(redisStore({ client, namespace }), {
        close: async () => {
          await client.quit()
        },
      })
    },
  })
}
subjects.push({
  name: 'cached over memory',
  skip: false,
  open: () => cachedStore({ primary: memory, ttlMs: 1000 }) as unknown as ClaimStore,
})

describe.each(subjects)('claimNotice on $name', ({ skip, open }) => {
  it.skipIf(skip)(
    'gives one claim to exactly one of many concurrent callers, and keeps its value',
    async () => {
      const stores = [open(), open()]
      try {
        const id = `test:${uniqueName('claim')}`
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (stores[i % 2] as ClaimStore).claimNotice(id, { value: String(i), ttlMs: DAY }),
          ),
        )
        expect(answers.filter(Boolean)).toHaveLength(1)
        const winner = answers.indexOf(true)
        expect(await (stores[1] as ClaimStore).readNotice(id)).toBe(String(winner))
        expect(await (stores[0] as ClaimStore).readNotice(`${id}:other`)).toBeNull()
        expect(await (stores[0] as ClaimStore).claimNotice(`${id}:other`)).toBe(true)
        expect(await (stores[0] as ClaimStore).readNotice(`${id}:other`)).toBe('')
        await expect((stores[0] as ClaimStore).claimNotice('')).rejects.toThrow(ValidationError)
        await expect((stores[0] as ClaimStore).claimNotice('x', { ttlMs: -1 })).rejects.toThrow(/ttlMs/)
      } finally {
        await Promise.all(stores.map((s) => s.close()))
      }
    },
  )
})

function recorder(warden: ReturnType<typeof createKeywarden>) {
  const events: KeywardenEvent[] = []
  warden.events.subscribe((event) => {
    events.push(event)
  })
  return { events, of: (type: string) => events.filter((e) => e.type === type) }
}

describe('expiry scanning', () => {
  it('emits key.expiring at 7 days and 1 day, then key.expired, each once, with the public record only', async () => {
    let now = new Date('2026-12-01T00:00:00Z')
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'exp', now: () => now, lastUsed: false })
    const { events, of } = recorder(warden)
    const { key, record } = await warden.keys.create({
      name: 'soon',
      expiresAt: new Date(now.getTime() + 10 * DAY),
    })
    await warden.keys.create({ name: 'never' })
    const revoked = await warden.keys.create({
      name: 'revoked',
      expiresAt: new Date(now.getTime() + 2 * DAY),
    })
    await warden.keys.revoke(revoked.record.id)

    expect(await warden.notices.scan()).toEqual({ expiring: 0, expired: 0, scanned: 3 })
    now = new Date(now.getTime() + 4 * DAY)
    expect((await warden.notices.scan()).expiring).toBe(1)
    expect((await warden.notices.scan()).expiring).toBe(0)
    now = new Date(now.getTime() + 5.5 * DAY)
    expect((await warden.notices.scan()).expiring).toBe(1)
    expect((await warden.notices.scan()).expiring).toBe(0)
    now = new Date(now.getTime() + DAY)
    expect(await warden.notices.scan()).toMatchObject({ expiring: 0, expired: 1 })
    expect(await warden.notices.scan()).toMatchObject({ expiring: 0, expired: 0 })

    expect(of('key.expiring').map((e) => e.detail?.days)).toEqual([7, 1])
    expect(of('key.expired')).toHaveLength(1)
    for (const event of [...of('key.expiring'), ...of('key.expired')]) {
      expect(event.target).toEqual({ type: 'key', id: record.id })
      expect(event.data?.key).toMatchObject({ id: record.id })
    }
    const hash = (await store.getKeyById(record.id))?.hash as string
    const text = JSON.stringify(events)
    expect(text).not.toContain(key)
    expect(text).not.toContain(hash)
  })

  it('gives a key whose expiry moved its notices again, and skips keys that expired long ago', async () => {
    let now = new Date('2026-12-01T00:00:00Z')
    const warden = createKeywarden({ store: memoryStore(), prefix: 'exp', now: () => now, lastUsed: false })
    const { of } = recorder(warden)
    const old = await warden.keys.create({ name: 'old', expiresAt: new Date(now.getTime() + DAY / 2) })
    now = new Date(now.getTime() + 30 * DAY)
    await warden.notices.scan()
    expect(of('key.expired')).toHaveLength(0)
    const moving = await warden.keys.create({ name: 'moving', expiresAt: new Date(now.getTime() + 3 * DAY) })
    await warden.notices.scan()
    await warden.keys.update(moving.record.id, { expiresAt: new Date(now.getTime() + 5 * DAY) })
    await warden.notices.scan()
    expect(of('key.expiring').map((e) => e.target.id)).toEqual([moving.record.id, moving.record.id])
    expect(old.record.id).not.toBe(moving.record.id)
    await expect(warden.notices.scan({ expiredWithinMs: 0 })).rejects.toThrow(ValidationError)
  })
})

describe('credit notices', () => {
  it('credits_low once at 10% of the starting credits and usage_exceeded once, under concurrent verifications', async () => {
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'cred', lastUsed: false })
    const { events, of } = recorder(warden)
    const { key, record } = await warden.keys.create({ name: 'metered', remaining: 20 })
    const results = await Promise.all(Array.from({ length: 40 }, () => warden.keys.verify(key)))
    expect(results.filter((r) => r.valid)).toHaveLength(20)
    await vi.waitFor(() => {
      expect(of('key.credits_low')).toHaveLength(1)
      expect(of('key.usage_exceeded')).toHaveLength(1)
    })
    await Promise.all(Array.from({ length: 5 }, () => warden.keys.verify(key)))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(of('key.credits_low')).toHaveLength(1)
    expect(of('key.usage_exceeded')).toHaveLength(1)
    expect(of('key.credits_low')[0]?.detail).toMatchObject({ threshold: 2 })
    expect((of('key.credits_low')[0]?.detail?.remaining as number) <= 2).toBe(true)
    expect(of('key.usage_exceeded')[0]?.target.id).toBe(record.id)
    const hash = (await store.getKeyById(record.id))?.hash as string
    expect(JSON.stringify(events)).not.toContain(key)
    expect(JSON.stringify(events)).not.toContain(hash)
  })

  it('uses the refill amount as the base, once per refill period', async () => {
    let now = new Date('2026-12-01T00:00:00Z')
    const warden = createKeywarden({ store: memoryStore(), prefix: 'cred', now: () => now, lastUsed: false })
    const { of } = recorder(warden)
    const { key } = await warden.keys.create({
      name: 'refilled',
      remaining: 10,
      refill: { amount: 10, intervalMs: DAY },
    })
    for (let i = 0; i < 12; i++) await warden.keys.verify(key)
    await vi.waitFor(() => expect(of('key.usage_exceeded')).toHaveLength(1))
    expect(of('key.credits_low')).toHaveLength(1)
    now = new Date(now.getTime() + DAY + 1)
    for (let i = 0; i < 12; i++) await warden.keys.verify(key)
    await vi.waitFor(() => expect(of('key.usage_exceeded')).toHaveLength(2))
    expect(of('key.credits_low')).toHaveLength(2)
  })

  it('says nothing for keys without credits', async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'cred', lastUsed: false })
    const { events } = recorder(warden)
    const { key } = await warden.keys.create({ name: 'free' })
    for (let i = 0; i < 5; i++) await warden.keys.verify(key)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(events.map((e) => e.type)).toEqual(['key.created'])
  })
})

describe('reportLeak', () => {
  it('revokes a reported key with the actor, writes key.leaked, spends no credits', async () => {
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'leak', lastUsed: false })
    const { key, record } = await warden.keys.create({ name: 'leaky', remaining: 5, ownerId: 'u1' })
    const actor = { type: 'system' as const, id: 'github' }
    expect(await warden.keys.reportLeak(key, { source: 'github', actor })).toBe('true_positive')
    const after = await warden.keys.get(record.id)
    expect(after?.revokedAt).toBeInstanceOf(Date)
    expect(after?.remaining).toBe(5)
    const { items } = await warden.audit.list({ targetId: record.id })
    expect(items.map((e) => e.action)).toEqual(['key.revoked', 'key.leaked', 'key.created'])
    expect(items[1]).toMatchObject({ actor, detail: { source: 'github', policy: 'revoke' }, ownerId: 'u1' })
    expect(items[0]?.actor).toEqual(actor)
    const hash = (await store.getKeyById(record.id))?.hash as string
    expect(JSON.stringify(items)).not.toContain(key)
    expect(JSON.stringify(items)).not.toContain(hash)
    // Reported again: still a true positive, no second revocation.
    expect(await warden.keys.reportLeak(key, { source: 'report' })).toBe('true_positive')
    expect((await warden.audit.list({ action: 'key.revoked' })).items).toHaveLength(1)
  })

  it("only tells under 'notify', and calls anything else a false positive without throwing", async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'leak', lastUsed: false })
    const { key, record } = await warden.keys.create({ name: 'watched' })
    expect(await warden.keys.reportLeak(key, { source: 'report', policy: 'notify' })).toBe('true_positive')
    expect((await warden.keys.get(record.id))?.revokedAt).toBeNull()
    const other = createKeywarden({ store: memoryStore(), prefix: 'leak' })
    const unknown = (await other.keys.create({ name: 'elsewhere' })).key
    for (const bad of [unknown, 'leak_short', `${key.slice(0, -1)}x`, 42, null, 'x'.repeat(10_000)]) {
      expect(await warden.keys.reportLeak(bad, { source: 'report' })).toBe('false_positive')
    }
    await expect(
      warden.keys.reportLeak(key, { source: 'report', policy: 'delete' as 'notify' }),
    ).rejects.toThrow(ValidationError)
    await expect(warden.keys.reportLeak(key, { source: '' })).rejects.toThrow(/source/)
    expect((await warden.keys.verify(key)).valid).toBe(true)
  })
})
