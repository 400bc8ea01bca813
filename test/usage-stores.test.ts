import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { createKeyHasher } from '../packages/keywarden/src/keys/hash.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'
import { keepsUsage, type UsageRow, type UsageStore } from '../packages/keywarden/src/stores/usage-types.js'
import { freshLimitPlace, type LimitEngine, type LimitPlace, openStore } from './limits-procs/stores.js'
import { adminDb } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajor, redisMajors, serviceSkip, uniqueName } from './support/services.js'

const T0 = Date.UTC(2031, 6, 1, 8, 0, 0)
const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

interface Subject {
  name: string
  skip: string | false
  open(): Promise<KeyStore & UsageStore>
  /** Every stored usage value as text (rows, key names, fields), for the secret scan. */
  dump(): Promise<string>
  cleanup(): Promise<void>
}

/** Every usage key of a namespace with its values, as text. */
async function redisUsageDump(url: string, namespace: string): Promise<string> {
  const client = redisMajor('ioredis 5').client(url)
  try {
    let text = ''
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:u*`, 'COUNT', '1000')
      cursor = next
      for (const key of keys) {
        const type = await client.type(key)
        const value = type === 'hash' ? await client.hgetall(key) : await client.zrange(key, '0', '-1')
        text += `${key} ${JSON.stringify(value)}\n`
      }
    } while (cursor !== '0')
    return text
  } finally {
    client.disconnect()
  }
}

function placeSubject(engine: LimitEngine, skip: string | false): Subject {
  let place: LimitPlace | null = null
  return {
    name: engine,
    skip,
    async open() {
      place = freshLimitPlace(engine)
      const store = openStore(place.spec)
      if (!keepsUsage(store)) throw new Error(`${engine} keeps no usage`)
      return store
    },
    async dump() {
      const spec = (place as LimitPlace).spec
      if (spec.engine === 'redis' || spec.engine === 'cached') {
        // The cached store counts in its sqlite primary; its Redis tier must hold no usage at all.
        const text = await redisUsageDump(spec.engine === 'redis' ? spec.url : spec.redisUrl, spec.namespace)
        if (spec.engine === 'redis') return text
        if (text !== '') throw new Error('the cache tier holds usage keys')
      }
      const s = spec as { engine: string; url: string; options: { tablePrefix?: string; schema?: string } }
      const table = `${s.options.tablePrefix}usage`
      if (s.engine === 'sqlite' || s.engine === 'cached') {
        const db = new Database(s.url.slice('sqlite:'.length), { readonly: true })
        try {
          return JSON.stringify(db.prepare(`select * from "${table}"`).all())
        } finally {
          db.close()
        }
      }
      const db = adminDb(s.engine as 'postgres' | 'mysql')
      try {
        const ref = s.options.schema ? sql.table(`${s.options.schema}.${table}`) : sql.table(table)
        const { rows } = await sql`select * from ${ref}`.execute(db)
        return JSON.stringify(rows)
      } finally {
        await db.destroy()
      }
    },
    cleanup: async () => {
      await place?.cleanup()
    },
  }
}

const subjects: Subject[] = []
for (const engine of ['sqlite', 'postgres', 'mysql', 'redis', 'cached'] as LimitEngine[]) {
  const service = freshLimitPlace(engine).service
  subjects.push(placeSubject(engine, service ? await serviceSkip(service) : false))
}
// A user's client of each ioredis major (and RESP3 reply mapping): the replies the scripts read differ.
const redisSkip = await serviceSkip('redis')
for (const major of redisMajors) {
  const namespace = uniqueName('kwusage')
  subjects.push({
    name: `redis (client, ${major.name})`,
    skip: redisSkip,
    open: async () => {
      const client = major.client(REDIS_URL)
      const store = redisStore({ client, namespace })
      return Object.assign(store, {
        close: async () => {
          await client.quit()
        },
      })
    },
    dump: () => redisUsageDump(REDIS_URL, namespace),
    async cleanup() {
      const client = redisMajor('ioredis 5').client(REDIS_URL)
      await deleteNamespace(client, namespace)
      await client.quit()
    },
  })
}
let memory: (KeyStore & UsageStore) | null = null
subjects.push({
  name: 'memory',
  skip: false,
  open: async () => {
    memory = memoryStore()
    return memory
  },
  dump: async () =>
    // The memory store keeps its rows in a closure: dump what its sums show of the warden's series.
    JSON.stringify(
      await memory?.sumUsage({
        space: 'keys',
        series: ['* all', '* keyless'],
        granularity: 'day',
        from: 0,
        to: 4e12,
      }),
    ),
  cleanup: async () => {},
})

const row = (
  series: string,
  at: number,
  metric: string,
  n: number,
  granularity: UsageRow['granularity'] = 'minute',
) => ({ space: 'test', series, granularity, at, metric, n }) satisfies UsageRow

for (const subject of subjects) {
  describe.skipIf(subject.skip)(`usage store contract: ${subject.name}`, () => {
    let store: KeyStore & UsageStore
    beforeAll(async () => {
      store = await subject.open()
    })
    afterAll(async () => {
      await store?.close()
      await subject.cleanup()
    })

    it('adds rows to their buckets and sums over series, range and metric', async () => {
      await store.addUsage([row('a', T0, 'valid', 2), row('a', T0, 'spent', 5), row('b', T0, 'valid', 3)])
      await store.addUsage([
        row('a', T0, 'valid', 1),
        row('a', T0 + MINUTE, 'valid', 7),
        row('a', T0, 'valid', 4, 'hour'),
      ])
      await store.addUsage([{ ...row('a', T0, 'valid', 100), space: 'other' }])
      const sum = (series: string[], from = T0, to = T0 + 2 * MINUTE) =>
        store
          .sumUsage({ space: 'test', series, granularity: 'minute', from, to })
          .then((sums) => sums.sort((x, y) => x.at - y.at || (x.metric < y.metric ? -1 : 1)))
      expect(await sum(['a'])).toEqual([
        { at: T0, metric: 'spent', n: 5 },
        { at: T0, metric: 'valid', n: 3 },
        { at: T0 + MINUTE, metric: 'valid', n: 7 },
      ])
      expect(await sum(['a', 'b'], T0, T0 + MINUTE)).toEqual([
        { at: T0, metric: 'spent', n: 5 },
        { at: T0, metric: 'valid', n: 6 },
      ])
      expect(await sum(['a'], T0 + MINUTE, T0 + 2 * MINUTE)).toEqual([
        { at: T0 + MINUTE, metric: 'valid', n: 7 },
      ])
      expect(await sum(['nobody'])).toEqual([])
      expect(
        await store.sumUsage({ space: 'test', series: ['a'], granularity: 'hour', from: T0, to: T0 + HOUR }),
      ).toEqual([{ at: T0, metric: 'valid', n: 4 }])
    })

    it('stays exact under many concurrent batches on the same buckets', async () => {
      const batches = Array.from({ length: 40 }, (_, i) => [
        row('c', T0, 'valid', 1),
        row('d', T0, 'valid', 2),
        row(`e${i % 4}`, T0, 'NOT_FOUND', 1),
        row('c', T0 - (T0 % DAY), 'valid', 3, 'day'),
      ])
      await Promise.all(batches.map((rows) => store.addUsage(rows)))
      const sums = await store.sumUsage({
        space: 'test',
        series: ['c', 'd'],
        granularity: 'minute',
        from: T0,
        to: T0 + 1,
      })
      expect(sums).toEqual([{ at: T0, metric: 'valid', n: 120 }])
      const day = await store.sumUsage({
        space: 'test',
        series: ['c'],
        granularity: 'day',
        from: T0 - DAY,
        to: T0 + DAY,
      })
      expect(day).toEqual([{ at: T0 - (T0 % DAY), metric: 'valid', n: 120 }])
      const keyless = await store.sumUsage({
        space: 'test',
        series: ['e0', 'e1', 'e2', 'e3'],
        granularity: 'minute',
        from: T0,
        to: T0 + 1,
      })
      expect(keyless).toEqual([{ at: T0, metric: 'NOT_FOUND', n: 40 }])
    })

    it('prunes the buckets of each granularity before its cutoff, in its space only', async () => {
      await store.addUsage([
        row('p', T0 - 2 * MINUTE, 'valid', 1),
        row('p', T0 - MINUTE, 'valid', 1),
        row('p', T0, 'valid', 1),
        row('p', T0 - HOUR, 'valid', 1, 'hour'),
        row('p', T0, 'valid', 1, 'hour'),
      ])
      await store.addUsage([{ ...row('p', T0 - 2 * MINUTE, 'valid', 1), space: 'kept' }])
      const removed = await store.pruneUsage('test', { minute: T0 - MINUTE, hour: T0, day: T0 - 10 * DAY })
      expect(removed).toBeGreaterThanOrEqual(2)
      const left = (granularity: 'minute' | 'hour', space = 'test') =>
        store
          .sumUsage({ space, series: ['p'], granularity, from: T0 - DAY, to: T0 + DAY })
          .then((sums) => sums.map((s) => s.at).sort())
      expect(await left('minute')).toEqual([T0 - MINUTE, T0])
      expect(await left('hour')).toEqual([T0])
      expect(await left('minute', 'kept')).toEqual([T0 - 2 * MINUTE])
    })

    it('counts verifications through the warden; roll-ups equal the minute sums; no row holds a secret', async () => {
      let t = T0 + 30_000
      const warden = createKeywarden({ store, prefix: 'usg', now: () => new Date(t), lastUsed: false })
      const { key, record } = await warden.keys.create({
        name: 'counted',
        ownerId: 'owner_u',
        remaining: 1000,
      })
      for (let i = 0; i < 150; i++) {
        await warden.keys.verify(i % 10 === 9 ? `${key.slice(0, -1)}x` : key, { cost: i % 2 })
        t += 29_000
      }
      await warden.flush()
      const range = { from: T0, to: t + 1 }
      const minute = await warden.usage.query({ keyId: record.id, ...range, granularity: 'minute' })
      const hour = await warden.usage.query({ keyId: record.id, ...range, granularity: 'hour' })
      const day = await warden.usage.query({ keyId: record.id, ...range, granularity: 'day' })
      const total = (r: typeof minute) =>
        r.buckets.reduce((a, b) => [(a[0] as number) + b.valid, (a[1] as number) + b.spent], [0, 0])
      expect(total(minute)).toEqual([135, 60])
      expect(total(hour)).toEqual(total(minute))
      expect(total(day)).toEqual(total(minute))
      for (const h of hour.buckets) {
        const inside = minute.buckets.filter((m) => m.at.getTime() - h.at.getTime() < HOUR && m.at >= h.at)
        expect(h.valid).toBe(inside.reduce((n, m) => n + m.valid, 0))
      }
      const owner = await warden.usage.query({ ownerId: 'owner_u', ...range, granularity: 'day' })
      expect(total(owner)).toEqual([135, 60])
      const keyless = await warden.usage.query({ keyless: true, ...range, granularity: 'day' })
      expect(keyless.buckets[0]?.invalid).toEqual({ MALFORMED: 15 })
      await warden.flush()

      const dump = await subject.dump()
      expect(dump.length).toBeGreaterThan(0)
      expect(dump).not.toContain(key)
      expect(dump).not.toContain(createKeyHasher(undefined)(key))
      expect(dump).not.toContain(key.slice(4, 20))
    })
  })
}
