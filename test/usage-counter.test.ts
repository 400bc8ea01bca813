import { describe, expect, it } from 'vitest'
import { ConfigError, ValidationError } from '../packages/keywarden/src/errors.js'
import { createKeywarden, generateKey } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import type { UsageRow, UsageStore } from '../packages/keywarden/src/stores/usage-types.js'
import { ALL_SERIES, createUsageCounter, KEYLESS_SERIES } from '../packages/keywarden/src/usage/counter.js'

const T0 = Date.UTC(2031, 4, 6, 10, 15, 30)
const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

function clockAt(start: number) {
  let now = start
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms
    },
    get ms() {
      return now
    },
  }
}

/** A usage store that records every addUsage call, for counting writes. */
function recording(inner: UsageStore) {
  const calls: UsageRow[][] = []
  return {
    calls,
    store: {
      ...inner,
      addUsage(rows: readonly UsageRow[]) {
        calls.push(rows.map((row) => ({ ...row })))
        return inner.addUsage(rows)
      },
    } satisfies UsageStore,
  }
}

describe('warden.usage on the memory store', () => {
  it('counts every outcome per key per minute, keyless ones in their own series', async () => {
    const clock = clockAt(T0)
    const warden = createKeywarden({ store: memoryStore(), prefix: 'usg', now: clock.now })
    const { key, record } = await warden.keys.create({
      name: 'a',
      ownerId: 'owner_1',
      scopes: ['users:read'],
    })
    const { key: other } = await warden.keys.create({ name: 'b', ownerId: 'owner_2' })
    for (let i = 0; i < 5; i++) expect((await warden.keys.verify(key, { cost: 2 })).valid).toBe(true)
    await warden.keys.verify(key, { scopes: ['users:write'] })
    await warden.keys.verify(other)
    await warden.keys.verify('garbage')
    await warden.keys.verify(generateKey('usg').key)
    clock.advance(MINUTE)
    await warden.keys.verify(key)

    const range = { from: T0 - 30_000, to: T0 + 90_000, granularity: 'minute' as const }
    const mine = await warden.usage.query({ keyId: record.id, ...range })
    expect(mine.buckets).toEqual([
      { at: new Date(T0 - 30_000), valid: 5, invalid: { INSUFFICIENT_SCOPES: 1 }, spent: 10 },
      { at: new Date(T0 + 30_000), valid: 1, invalid: {}, spent: 1 },
    ])
    const owner = await warden.usage.query({ ownerId: 'owner_2', ...range })
    expect(owner.buckets.map((b) => b.valid)).toEqual([1, 0])
    const all = await warden.usage.query(range)
    expect(all.buckets.map((b) => b.valid)).toEqual([6, 1])
    expect(all.buckets[0]?.invalid).toEqual({ INSUFFICIENT_SCOPES: 1 })
    const keyless = await warden.usage.query({ keyless: true, ...range })
    expect(keyless.buckets[0]?.invalid).toEqual({ MALFORMED: 1, NOT_FOUND: 1 })
    // keyId with a different owner: none of the key's counts.
    const wrongOwner = await warden.usage.query({ keyId: record.id, ownerId: 'owner_2', ...range })
    expect(wrongOwner.buckets.every((b) => b.valid === 0)).toBe(true)
    await warden.close()
  })

  it('rolls minutes up to hours and days that equal the minute sums', async () => {
    const clock = clockAt(Date.UTC(2031, 4, 6, 22, 50))
    const warden = createKeywarden({ store: memoryStore(), prefix: 'usg', now: clock.now })
    const { key, record } = await warden.keys.create({ name: 'a' })
    const start = clock.ms
    for (let i = 0; i < 200; i++) {
      await warden.keys.verify(i % 7 === 0 ? 'nope' : key, { cost: i % 3 })
      clock.advance(37_000 + (i % 5) * 1000)
    }
    await warden.flush()
    const from = start - DAY
    const to = clock.ms + DAY
    const sums = async (granularity: 'minute' | 'hour' | 'day', extra = {}) => {
      const r = await warden.usage.query({ keyId: record.id, from, to, granularity, ...extra })
      return r.buckets.reduce((a, b) => ({ valid: a.valid + b.valid, spent: a.spent + b.spent }), {
        valid: 0,
        spent: 0,
      })
    }
    const minutes = await warden.usage.query({
      keyId: record.id,
      from: start,
      to: clock.ms + 1,
      granularity: 'minute',
    })
    const total = minutes.buckets.reduce((n, b) => n + b.valid, 0)
    expect(total).toBe(200 - Math.ceil(200 / 7))
    expect(await sums('hour')).toEqual(await sums('day'))
    const hours = await warden.usage.query({ keyId: record.id, from, to, granularity: 'hour' })
    for (const hour of hours.buckets) {
      const inside = minutes.buckets.filter(
        (m) => m.at >= hour.at && m.at.getTime() < hour.at.getTime() + HOUR,
      )
      expect(hour.valid).toBe(inside.reduce((n, m) => n + m.valid, 0))
      expect(hour.spent).toBe(inside.reduce((n, m) => n + m.spent, 0))
    }
    await warden.close()
  })

  it('writes at most one row per series, bucket and metric per flush', async () => {
    const clock = clockAt(T0)
    const { calls, store } = recording(memoryStore())
    const counter = createUsageCounter({ store, space: 'keys', clock: () => clock.ms })
    for (let i = 0; i < 1000; i++) counter.count('key_a', 'o', 'valid', 1)
    counter.count('key_a', 'o', 'spent', 3)
    await counter.flush()
    expect(calls).toHaveLength(1)
    const rows = calls[0] ?? []
    // key_a, the owner's series and every-key series; minute, hour, day; valid and spent.
    expect(rows).toHaveLength(3 * 3 * 2)
    const ids = rows.map((r) => `${r.series}|${r.granularity}|${r.at}|${r.metric}`)
    expect(new Set(ids).size).toBe(rows.length)
    expect(
      rows.find((r) => r.series === ALL_SERIES && r.granularity === 'day' && r.metric === 'valid')?.n,
    ).toBe(1000)
    await counter.flush()
    expect(calls).toHaveLength(1) // nothing pending, nothing written
    await counter.close()
  })

  it('keeps the counts of a failed flush for the next one, none lost or doubled', async () => {
    const inner = memoryStore()
    let fail = true
    const store: UsageStore = {
      ...inner,
      async addUsage(rows) {
        if (fail) throw new Error('down')
        return inner.addUsage(rows)
      },
    }
    const counter = createUsageCounter({ store, space: 'keys', clock: () => T0 })
    counter.add('key_a', null, { valid: 2 })
    await expect(counter.flush()).rejects.toThrow('down')
    counter.add('key_a', null, { valid: 3 })
    await expect(counter.flush()).rejects.toThrow('down')
    fail = false
    counter.add('key_a', null, { valid: 4 })
    await counter.flush()
    const sums = await inner.sumUsage({
      space: 'keys',
      series: ['key_a'],
      granularity: 'minute',
      from: 0,
      to: T0 + 1,
    })
    expect(sums).toEqual([{ at: T0 - (T0 % MINUTE), metric: 'valid', n: 9 }])
    await counter.close()
  })

  it('stays exact under many concurrent counts and flushes', async () => {
    const store = memoryStore()
    const counter = createUsageCounter({ store, space: 'keys', clock: () => T0 })
    const work: Array<Promise<void>> = []
    for (let i = 0; i < 2000; i++) {
      counter.count(`key_${i % 13}`, `o${i % 3}`, 'valid', 1)
      if (i % 50 === 0) work.push(counter.flush())
    }
    await Promise.all(work)
    const sums = await counter.sum({ from: 0, to: T0 + DAY, granularity: 'day' })
    expect(sums.map((s) => s.metrics.valid)).toEqual([2000])
    const owner = await counter.sum({ ownerId: 'o1', from: 0, to: T0 + DAY, granularity: 'hour' })
    expect(owner.map((s) => s.metrics.valid)).toEqual([667])
    await counter.close()
  })

  it('prunes buckets that ended more than the retention ago', async () => {
    const clock = clockAt(T0)
    const store = memoryStore()
    const counter = createUsageCounter({ store, space: 'keys', retentionDays: 2, clock: () => clock.ms })
    counter.count('key_a', null, 'valid', 1)
    await counter.flush()
    clock.advance(2 * DAY)
    counter.count('key_a', null, 'valid', 1)
    await counter.flush()
    const range = { from: T0 - 3 * DAY, to: T0 + 3 * DAY }
    const before = await counter.sum({ series: ['key_a'], ...range, granularity: 'minute' })
    expect(before).toHaveLength(2)
    clock.advance(MINUTE)
    // The first minute ended 2 days + 30 s ago: gone; its hour and day have not ended 2 days ago yet.
    expect(await counter.prune()).toBeGreaterThan(0)
    expect(await counter.sum({ series: ['key_a'], ...range, granularity: 'minute' })).toHaveLength(1)
    expect((await counter.sum({ series: ['key_a'], ...range, granularity: 'day' })).length).toBe(2)
    clock.advance(2 * DAY)
    await counter.prune()
    expect(await counter.sum({ series: ['key_a'], ...range, granularity: 'day' })).toHaveLength(1)
    clock.advance(3 * DAY)
    await counter.prune()
    for (const granularity of ['minute', 'hour', 'day'] as const)
      expect(await counter.sum({ series: ['key_a'], ...range, granularity })).toEqual([])
    // Another space's rows are not touched.
    await store.addUsage([{ space: 'vault', series: 'x', granularity: 'day', at: 0, metric: 'n', n: 1 }])
    await counter.prune()
    expect(
      await store.sumUsage({ space: 'vault', series: ['x'], granularity: 'day', from: 0, to: 1 }),
    ).toHaveLength(1)
    await counter.close()
  })

  it('refuses bad queries with a message saying what to fix', async () => {
    const warden = createKeywarden({ store: memoryStore(), prefix: 'usg' })
    const bad = [
      { from: 'yesterday', to: T0, granularity: 'minute' },
      { from: T0, to: T0, granularity: 'minute' },
      { from: T0, to: T0 + MINUTE, granularity: 'week' },
      { from: T0, to: T0 + 2 * DAY, granularity: 'minute' },
      { from: T0, to: T0 + MINUTE, granularity: 'minute', keyless: true, keyId: 'key_x' },
      { from: T0, to: T0 + MINUTE, granularity: 'minute', keyId: '' },
    ]
    for (const query of bad) await expect(warden.usage.query(query as never)).rejects.toThrow(ValidationError)
    await expect(warden.usage.query({ from: T0, to: T0 + 2 * DAY, granularity: 'minute' })).rejects.toThrow(
      /at most 1500/,
    )
    const ok = await warden.usage.query({
      from: new Date(T0).toISOString(),
      to: T0 + DAY,
      granularity: 'hour',
    })
    expect(ok.buckets).toHaveLength(25)
    await warden.close()
    const off = createKeywarden({ store: memoryStore(), prefix: 'usg', usage: false })
    await expect(off.usage.query({ from: T0, to: T0 + MINUTE, granularity: 'minute' })).rejects.toThrow(
      ConfigError,
    )
    expect(() =>
      createKeywarden({ store: memoryStore(), prefix: 'usg', usage: { retentionDays: 0 } }),
    ).toThrow(ConfigError)
  })

  it('reads the clock no more often than verification without usage does', async () => {
    const reads = { on: 0, off: 0 }
    const store = memoryStore()
    const clockOf = (side: 'on' | 'off') => () => {
      reads[side]++
      return new Date(T0)
    }
    const on = createKeywarden({ store, prefix: 'usg', now: clockOf('on') })
    const off = createKeywarden({
      store,
      prefix: 'usg',
      usage: false,
      now: clockOf('off'),
    })
    const { key } = await off.keys.create({ name: 'a', remaining: 5 })
    const { key: plain } = await off.keys.create({ name: 'b' })
    reads.on = 0
    reads.off = 0
    for (const k of [key, plain, 'garbage', generateKey('usg').key]) {
      await on.keys.verify(k)
      await off.keys.verify(k)
    }
    expect(reads.on).toBe(reads.off + 1) // the keyless MALFORMED count reads it once
    await on.close()
  })

  it('uses a keyless series id no key id can take', () => {
    expect(KEYLESS_SERIES).toContain(' ')
    expect(ALL_SERIES).toContain(' ')
  })
})
