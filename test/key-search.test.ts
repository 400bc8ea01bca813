import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeywarden, type Keywarden, ValidationError } from '../packages/keywarden/src/index.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'
import { uniqueOwner } from '../packages/keywarden/src/testing/index.js'
import { freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { redisMajor, serviceSkip, uniqueName } from './support/services.js'

interface Engine {
  name: string
  skip: string | false
  open(): { store: KeyStore; cleanup(): Promise<void> }
  /** Whether the store answers searchKeys itself (otherwise the engine walks listKeys). */
  native: boolean
}

const sql = (
  engine: 'sqlite-memory' | 'sqlite-file' | 'postgres' | 'mysql',
  skip: string | false,
): Engine => ({
  name: engine,
  skip,
  native: true,
  open() {
    const place = freshPlace(engine, 'kwsearch')
    return { store: sqlStore({ url: place.url }, place.options), cleanup: () => place.cleanup() }
  },
})

const engines: Engine[] = [
  {
    name: 'memory',
    skip: false,
    native: true,
    open: () => ({ store: memoryStore(), cleanup: async () => {} }),
  },
  {
    name: 'a store without searchKeys (the listKeys walk)',
    skip: false,
    native: false,
    open() {
      const { searchKeys, ...store } = memoryStore()
      return { store, cleanup: async () => {} }
    },
  },
  sql('sqlite-memory', false),
  sql('sqlite-file', false),
  sql('postgres', await serviceSkip('postgres')),
  sql('mysql', await serviceSkip('mysql')),
  {
    name: 'redis (the listKeys walk)',
    skip: await serviceSkip('redis'),
    native: false,
    open() {
      const namespace = uniqueName('kwsearch')
      const client = redisMajor('ioredis 5').client()
      return {
        store: redisStore({ client, namespace }),
        async cleanup() {
          await deleteNamespace(client, namespace)
          await client.quit()
        },
      }
    },
  },
  {
    name: 'cached over sqlite',
    skip: false,
    native: true,
    open() {
      const place = freshPlace('sqlite-file', 'kwsearch')
      const primary = sqlStore({ url: place.url }, place.options)
      return { store: cachedStore({ primary }), cleanup: () => place.cleanup() }
    },
  },
]

const START = Date.UTC(2030, 5, 1)

for (const engine of engines) {
  describe.skipIf(engine.skip)(`keys.search: ${engine.name}`, () => {
    let clock = START
    let warden: Keywarden
    let store: KeyStore
    let cleanup: () => Promise<void>
    beforeAll(() => {
      ;({ store, cleanup } = engine.open())
      warden = createKeywarden({ store, prefix: 'srch', lastUsed: false, now: () => new Date(clock) })
    })
    afterAll(async () => {
      await warden?.close()
      await cleanup?.()
    })

    /** Keys of a fresh owner, one millisecond apart (the last one newest). */
    async function seed(names: string[], extra: (i: number) => Record<string, unknown> = () => ({})) {
      const ownerId = uniqueOwner('search')
      const records = []
      for (const [i, name] of names.entries()) {
        clock++
        records.push((await warden.keys.create({ name, ownerId, ...extra(i) })).record)
      }
      return { ownerId, records }
    }

    it(`${engine.native ? 'answers from' : 'works without'} the store's searchKeys`, () => {
      expect(typeof store.searchKeys === 'function').toBe(engine.native)
    })

    it('pages newest first both ways with the total of every match', async () => {
      const { ownerId, records } = await seed(Array.from({ length: 11 }, (_, i) => `page key ${i}`))
      const newest = records.map((r) => r.id).reverse()
      const all = await warden.keys.search({ ownerId, limit: 100 })
      expect(all.items.map((r) => r.id)).toEqual(newest)
      expect(all.total).toBe(11)
      const pages = []
      for (let offset = 0; offset < 11; offset += 4) {
        const page = await warden.keys.search({ ownerId, offset, limit: 4 })
        expect(page.total).toBe(11)
        pages.push(...page.items.map((r) => r.id))
      }
      expect(pages).toEqual(newest)
      // Back from the third page to the second: the same keys again.
      expect((await warden.keys.search({ ownerId, offset: 4, limit: 4 })).items.map((r) => r.id)).toEqual(
        newest.slice(4, 8),
      )
      expect(await warden.keys.search({ ownerId, offset: 20 })).toEqual({ items: [], total: 11 })
      expect(JSON.stringify(all)).not.toMatch(/"hash"/)
    })

    it('matches a name case-insensitively, and an id or start by prefix, wildcards taken literally', async () => {
      const names = [
        'Billing Alpha',
        'alphabet soup',
        '100% off',
        '1000 offers',
        'snake_case',
        'snakeXcase',
        'bang!x',
        'plain',
      ]
      const { ownerId, records } = await seed(names)
      const find = async (query: string) =>
        (await warden.keys.search({ ownerId, query })).items.map((r) => r.name).sort()
      expect(await find('ALPHA')).toEqual(['Billing Alpha', 'alphabet soup'])
      expect(await find('  alpha ')).toEqual(['Billing Alpha', 'alphabet soup'])
      expect(await find('100%')).toEqual(['100% off'])
      expect(await find('e_c')).toEqual(['snake_case'])
      expect(await find('g!')).toEqual(['bang!x'])
      expect(await find('nothing like it')).toEqual([])
      const target = records[7] as (typeof records)[number]
      expect(await find(target.id.slice(0, 12))).toEqual(['plain'])
      expect(await find(target.id.slice(0, 12).toUpperCase())).toEqual([])
      const byStart = await warden.keys.search({ ownerId, query: target.start })
      expect(byStart.items.map((r) => r.id)).toContain(target.id)
      expect((await warden.keys.search({ ownerId, query: '' })).total).toBe(names.length)
    })

    it('filters by state at the warden clock, and by owner', async () => {
      const { ownerId, records } = await seed(['stays', 'expires', 'revoked', 'expired and revoked'], (i) =>
        i === 1 || i === 3 ? { expiresAt: new Date(clock + 1000) } : {},
      )
      await warden.keys.revoke(records[2]?.id as string)
      await warden.keys.revoke(records[3]?.id as string)
      const names = async (state: 'active' | 'revoked' | 'expired') =>
        (await warden.keys.search({ ownerId, state })).items.map((r) => r.name).sort()
      expect(await names('active')).toEqual(['expires', 'stays'])
      expect(await names('expired')).toEqual([])
      clock += 5000
      expect(await names('active')).toEqual(['stays'])
      expect(await names('expired')).toEqual(['expires'])
      expect(await names('revoked')).toEqual(['expired and revoked', 'revoked'])
      const other = await seed(['stays'])
      expect((await warden.keys.search({ ownerId: other.ownerId, query: 'stays' })).total).toBe(1)
      expect((await warden.keys.search({ ownerId, query: 'stays', state: 'active' })).total).toBe(1)
      expect((await warden.keys.search({ query: 'stays', state: 'active' })).total).toBeGreaterThanOrEqual(2)
    })

    it('counts every one of many keys created concurrently', async () => {
      const ownerId = uniqueOwner('burst')
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => warden.keys.create({ name: `burst ${i}`, ownerId })),
      )
      const found = await warden.keys.search({ ownerId, query: 'BURST', limit: 1000 })
      expect(found.total).toBe(60)
      expect(new Set(found.items.map((r) => r.id)).size).toBe(60)
    })

    it('refuses invalid options with ValidationError naming the field', async () => {
      const bad: Array<[unknown, string]> = [
        [{ state: 'gone' }, 'state'],
        [{ offset: -1 }, 'offset'],
        [{ offset: 1.5 }, 'offset'],
        [{ limit: 0 }, 'limit'],
        [{ limit: 1001 }, 'limit'],
        [{ query: 'x'.repeat(257) }, 'query'],
        [{ query: 42 }, 'query'],
        [{ ownerId: '' }, 'ownerId'],
        ['all', 'options'],
      ]
      for (const [options, field] of bad) {
        const error = await warden.keys.search(options as never).catch((e) => e)
        expect(error, JSON.stringify(options)).toBeInstanceOf(ValidationError)
        expect(error.field).toBe(field)
      }
    })
  })
}
