import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, createKeywarden, StoreError, ValidationError } from '../packages/keywarden/src/index.js'
import { loadDriver } from '../packages/keywarden/src/stores/sql/driver.js'
import { migrateToLatest, printSchema, sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { adminDb, type EngineName, freshPlace, type Place } from './sql-procs/engines.js'
import { serviceSkip } from './support/services.js'

const tricky = `O'Brien "q" \\ \`t\` '; drop table x; -- 🔑 𝔘𝔫𝔦 鍵 👩‍👩‍👧‍👦`

for (const engine of ['sqlite-file', 'sqlite-memory', 'postgres', 'mysql'] as const satisfies EngineName[]) {
  const place: Place = freshPlace(engine, 'kweng')
  const skip = place.service ? await serviceSkip(place.service) : false
  if (skip) console.warn(`[keywarden] skipping sql engine tests on ${engine}: ${skip}`)

  describe.skipIf(skip)(`sqlStore through createKeywarden: ${engine}`, () => {
    const store = sqlStore({ url: place.url }, place.options)
    const warden = createKeywarden({ store, prefix: 'eng', lastUsed: { flushIntervalMs: 60_000 } })
    afterAll(async () => {
      await warden.close()
      await place.cleanup()
    })

    it('500 concurrent creates then 500 concurrent verifies: no errors, no lost rows', async () => {
      const ownerId = `owner-${engine}-500`
      const created = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          warden.keys.create({ name: `k${i}`, ownerId, scopes: ['a:read'] }),
        ),
      )
      const results = await Promise.all(
        created.map(({ key }) => warden.keys.verify(key, { scopes: ['a:read'] })),
      )
      expect(results.filter((r) => !r.valid)).toEqual([])
      expect(results.map((r) => r.key?.id)).toEqual(created.map((c) => c.record.id))
      const ids = new Set<string>()
      let cursor: string | null = null
      do {
        const page = await warden.keys.list({ ownerId, limit: 200, cursor })
        for (const record of page.items) ids.add(record.id)
        cursor = page.nextCursor
      } while (cursor)
      expect(ids).toEqual(new Set(created.map((c) => c.record.id)))
      // The last-used flush is one touchKeys call covering all 500.
      await warden.flush()
      const touched = await Promise.all(created.slice(0, 20).map((c) => warden.keys.get(c.record.id)))
      expect(touched.every((r) => r?.lastUsedAt instanceof Date)).toBe(true)
    })

    it('names and metadata with quotes, SQL and 4-byte characters round-trip exactly', async () => {
      const metadata = { [tricky]: tricky, nested: { list: ['🎉', "'", '"', '%', '_', '\\'] } }
      const { key, record } = await warden.keys.create({ name: tricky, ownerId: tricky, metadata })
      const read = await warden.keys.get(record.id)
      expect(read?.name).toBe(tricky)
      expect(read?.ownerId).toBe(tricky)
      expect(read?.metadata).toEqual(metadata)
      expect(JSON.stringify(read?.metadata)).toBe(JSON.stringify(metadata))
      const verified = await warden.keys.verify(key)
      expect(verified.valid && verified.key.name).toBe(tricky)
      expect((await warden.keys.list({ ownerId: tricky })).items.map((r) => r.id)).toEqual([record.id])
      // An owner differing by trailing space or case is another owner.
      expect((await warden.keys.list({ ownerId: `${tricky} ` })).items).toEqual([])
      expect((await warden.keys.list({ ownerId: tricky.toUpperCase() })).items).toEqual([])
    })

    it('rejects NUL characters with ValidationError before they reach the engine', async () => {
      await expect(warden.keys.create({ name: 'a\u0000b' })).rejects.toBeInstanceOf(ValidationError)
      await expect(warden.keys.create({ name: 'ok', metadata: { k: 'a\u0000' } })).rejects.toBeInstanceOf(
        ValidationError,
      )
      await expect(warden.keys.create({ name: 'ok', ownerId: '\u0000' })).rejects.toBeInstanceOf(
        ValidationError,
      )
    })

    it('keeps the newest last-used time when an older flush arrives later', async () => {
      const { record } = await warden.keys.create({ name: 'touch' })
      await store.touchKeys([{ id: record.id, lastUsedAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 7)) }])
      await store.touchKeys([{ id: record.id, lastUsedAt: new Date(Date.UTC(2029, 0, 1)) }])
      expect((await store.getKeyById(record.id))?.lastUsedAt?.getTime()).toBe(
        Date.UTC(2030, 0, 1, 0, 0, 0, 7),
      )
    })

    it('migrateToLatest on a migrated store has nothing to do', async () => {
      expect(await migrateToLatest(store)).toEqual([])
    })
  })
}

const pgSkip = await serviceSkip('postgres')
const mysqlSkip = await serviceSkip('mysql')

describe('sqlStore configuration and errors', () => {
  it('takes an app Kysely, shares it, and never destroys it', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    const store = sqlStore({ db }, { tablePrefix: 'app_' })
    const warden = createKeywarden({ store, prefix: 'app' })
    const { key } = await warden.keys.create({ name: 'on the app db' })
    expect((await warden.keys.verify(key)).valid).toBe(true)
    await warden.close()
    const { rows } = await sql<{ n: number }>`select count(*) as n from app_keys`.execute(db)
    expect(rows[0]?.n).toBe(1)
    await expect(store.getKeyById('x')).rejects.toBeInstanceOf(StoreError)
    await db.destroy()
  })

  it('opens a new sqlite file while another connection holds its lock (the WAL switch waits)', async () => {
    const place = freshPlace('sqlite-file', 'kwwal')
    const holder = new Database(place.url.slice('sqlite:'.length))
    holder.exec('begin immediate; create table held (x)')
    // SQLite answers the WAL switch with SQLITE_BUSY at once while the lock is held.
    const release = setTimeout(() => holder.exec('commit'), 150)
    const store = sqlStore({ url: place.url }, place.options)
    try {
      expect(await store.getKeyById('key_none')).toBeNull()
    } finally {
      clearTimeout(release)
      holder.close()
      await store.close()
      await place.cleanup()
    }
  })

  it("'manual' leaves migrations to migrateToLatest, which reports what ran", async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    const store = sqlStore({ db }, { migrate: 'manual' })
    await expect(store.getKeyById('x')).rejects.toThrow(/migrateToLatest/)
    const results = await migrateToLatest(store)
    expect(results.map((r) => [r.migrationName, r.status])).toEqual([
      ['0001_keys_and_secrets', 'Success'],
      ['0002_rate_windows', 'Success'],
      ['0003_limit_groups', 'Success'],
      ['0004_usage', 'Success'],
      ['0005_audit', 'Success'],
      ['0006_webhooks', 'Success'],
      ['0007_notices', 'Success'],
    ])
    expect(await store.getKeyById('x')).toBeNull()
    expect(await migrateToLatest(store)).toEqual([])
    await db.destroy()
  })

  it('validates options with ConfigError', () => {
    expect(() => sqlStore({ url: 'oracle://x' })).toThrow(ConfigError)
    expect(() => sqlStore({ url: 'sqlite::memory:' }, { tablePrefix: 'Bad-Prefix' })).toThrow(ConfigError)
    expect(() => sqlStore({ url: 'sqlite::memory:' }, { schema: 'auth' })).toThrow(/postgres only/)
    expect(() => sqlStore({ url: 'sqlite::memory:' }, { migrate: 'sometimes' as never })).toThrow(ConfigError)
    expect(() => sqlStore({} as never)).toThrow(ConfigError)
    expect(() => sqlStore({ url: 'sqlite::memory:', colour: 1 } as never)).toThrow(/unknown option "colour"/)
  })

  it('names the package to install when a driver is missing', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'pg'"), { code: 'ERR_MODULE_NOT_FOUND' })
    }
    const error = await loadDriver('pg', 'postgres://', missing).catch((e) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain('npm install pg')
  })

  it('printSchema returns the DDL for each engine', () => {
    const pgDdl = printSchema('postgres', { schema: 'auth', tablePrefix: 'kw_' })
    expect(pgDdl).toContain('create schema if not exists "auth"')
    expect(pgDdl).toContain('create table "auth"."kw_keys"')
    expect(pgDdl).toContain('collate "C"')
    expect(printSchema('mysql')).toContain('utf8mb4')
    expect(printSchema('sqlite')).toMatch(/create unique index|unique \("hash"\)/)
    expect(() => printSchema('oracle' as never)).toThrow(ConfigError)
  })

  it.skipIf(pgSkip)(
    'an unreachable postgres is a StoreError naming engine and host, never the password',
    async () => {
      const store = sqlStore({ url: 'postgres://app:hunter2-Secret@127.0.0.1:1/test' })
      const error = await store.getKeyByHash('0'.repeat(64)).catch((e) => e)
      expect(error).toBeInstanceOf(StoreError)
      expect(error.message).toContain('postgres at 127.0.0.1:1')
      expect(error.message).not.toContain('hunter2')
      await store.close()
    },
  )

  it.skipIf(mysqlSkip)('bad mysql credentials are a StoreError without the password', async () => {
    const store = sqlStore({ url: 'mysql://nobody_kw:hunter2-Secret@127.0.0.1:3306/test' })
    const error = await store.getKeyById('x').catch((e) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).toContain('mysql at 127.0.0.1:3306')
    expect(error.message).not.toContain('hunter2')
    expect(JSON.stringify(error)).not.toContain('hunter2')
    await store.close()
  })

  it.skipIf(pgSkip)('a postgres role that does not exist is a StoreError', async () => {
    const store = sqlStore({ url: 'postgres://nobody_kw:hunter2-Secret@127.0.0.1:5432/test' })
    const error = await store.getKeyById('x').catch((e) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).toMatch(/cannot connect to postgres at 127\.0\.0\.1:5432/)
    expect(error.message).not.toContain('hunter2')
    await store.close()
  })

  it.skipIf(pgSkip)('stores times as bigint epoch ms (UTC, to the millisecond)', async () => {
    const place = freshPlace('postgres', 'kwtype')
    const store = sqlStore({ url: place.url }, place.options)
    await store.getKeyById('x')
    const db = adminDb('postgres')
    const { rows } = await sql<{ type: string }>`select data_type as type from information_schema.columns
      where table_schema = ${place.options.schema} and column_name = 'created_at'`.execute(db)
    expect([...new Set(rows.map((r) => r.type))]).toEqual(['bigint']) // keys, secrets, webhooks, deliveries
    await db.destroy()
    await store.close()
    await place.cleanup()
  })
})
