/** Several server instances over one database behave as one: sessions, the first admin key. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { migrateToLatest, type SqlStore, sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { ensureAdminKey } from '../packages/server/src/admin-key.js'
import { createServerApp, storeHealthCheck } from '../packages/server/src/app.js'
import { Browser, TEST_SECRET } from './server-helpers.js'
import { type ServerProcess, startServerProcess } from './server-process-helpers.js'
import { dropPostgresTables, holdTable } from './support/postgres-tables.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from './support/services.js'

const ADMIN_KEY = /^\s+(kw_[0-9A-Za-z]+)$/gm

describe('the first admin key', () => {
  it('is created once when three instances start together on one empty store', async () => {
    const store = memoryStore()
    const wardens = Array.from({ length: 3 }, () => createKeywarden({ store, prefix: 'kw', lastUsed: false }))
    const created = await Promise.all(wardens.map((warden) => ensureAdminKey(warden, store)))
    expect(created.filter(Boolean)).toHaveLength(1)
    expect((await store.listKeys({ limit: 10 })).items.map((k) => k.name)).toEqual(['admin'])
  })
})

const skipPostgres = await serviceSkip('postgres')
if (skipPostgres) console.warn(`multi-instance tests skipped: ${skipPostgres}`)

describe.skipIf(skipPostgres)('several instances on one PostgreSQL database', () => {
  const prefixes: string[] = []
  const stores: SqlStore[] = []
  const servers: ServerProcess[] = []
  const freshPrefix = () => {
    const prefix = `${uniqueName('kwinst')}_`
    prefixes.push(prefix)
    return prefix
  }
  const instance = (tablePrefix: string) => {
    const store = sqlStore({ url: POSTGRES_URL, tablePrefix })
    stores.push(store)
    const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false })
    const vault = createVault({ secret: TEST_SECRET, store })
    const app = createServerApp({ warden, vault, secret: TEST_SECRET, checkHealth: storeHealthCheck(store) })
    return { store, warden, app }
  }

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')))
    await Promise.all(stores.map((s) => s.close()))
    for (const prefix of prefixes) await dropPostgresTables(prefix)
  })

  it('creates one admin key when three instances claim it at the same moment', async () => {
    const tablePrefix = freshPrefix()
    const three = [instance(tablePrefix), instance(tablePrefix), instance(tablePrefix)]
    await Promise.all(three.map(({ store }) => migrateToLatest(store)))
    // Line the three up at their first look at the keys table, then let them go together.
    const held = await holdTable(`${tablePrefix}keys`)
    const claims = Promise.all(three.map(({ warden, store }) => ensureAdminKey(warden, store)))
    try {
      await held.waiters(3)
    } finally {
      await held.release()
    }
    const created = await claims
    expect(created.filter(Boolean)).toHaveLength(1)
    const keys = await three[0]!.warden.keys.list()
    expect(keys.items.map((k) => k.name)).toEqual(['admin'])
  })

  it('honours on instance B a dashboard session made on instance A, CSRF token included', async () => {
    const tablePrefix = freshPrefix()
    const a = instance(tablePrefix)
    const b = instance(tablePrefix)
    const admin = (await ensureAdminKey(a.warden, a.store))!
    const onA = new Browser(a.app)
    expect((await onA.signIn(admin.key)).status).toBe(303)
    const onB = new Browser(b.app)
    for (const [name, value] of onA.cookies) onB.cookies.set(name, value)
    expect((await onB.request('/')).status).toBe(200)
    const csrf = await onA.csrfToken()
    expect(await onB.csrfToken()).toBe(csrf)

    const made = await onB.request('/dashboard/keys', {
      form: { _csrf: csrf, name: 'made on B', expiry: 'never', scopes: '' },
    })
    expect(made.status).toBe(200)
    expect((await a.warden.keys.list()).items.map((k) => k.name)).toContain('made on B')
    expect(
      (await onB.request('/dashboard/keys', { form: { _csrf: `${csrf}x`, name: 'x', expiry: 'never' } }))
        .status,
    ).toBe(403)

    const out = await onB.request('/logout', { form: { _csrf: csrf } })
    expect(out.status).toBe(303)
    expect(onB.cookies.has('kw_session')).toBe(false)
    expect((await onB.request('/')).status).toBe(303)
  })

  it('serves one browser from whichever instance answers, and ends its session on both at revocation', async () => {
    const tablePrefix = freshPrefix()
    const a = instance(tablePrefix)
    const b = instance(tablePrefix)
    const second = await a.warden.keys.create({ name: 'admin 2', scopes: ['keywarden:admin'] })
    // A round-robin load balancer: the sign-in form comes from A and is posted to B, and so on.
    let turn = 0
    const apps = [a.app, b.app]
    const balancer = {
      request: (input: string, init?: RequestInit) => apps[turn++ % apps.length]!.request(input, init),
    } as unknown as Hono
    const browser = new Browser(balancer)
    expect((await browser.signIn(second.key)).status).toBe(303)
    const statuses = async () => [(await browser.request('/')).status, (await browser.request('/')).status]
    expect(await statuses()).toEqual([200, 200])

    await b.warden.keys.revoke(second.record.id)
    expect(await statuses()).toEqual([303, 303])
  })

  it('prints one admin key between three server processes started together on an empty database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-three-'))
    try {
      const env = {
        KEYWARDEN_DATABASE_URL: POSTGRES_URL,
        KEYWARDEN_SECRET: TEST_SECRET,
        KEYWARDEN_TABLE_PREFIX: freshPrefix(),
      }
      // The schema exists and its keys table is locked: the three processes start, migrate (nothing
      // to do) and all wait at their first look for keys, then go on together.
      const schema = sqlStore({ url: POSTGRES_URL, tablePrefix: env.KEYWARDEN_TABLE_PREFIX })
      stores.push(schema)
      await migrateToLatest(schema)
      const held = await holdTable(`${env.KEYWARDEN_TABLE_PREFIX}keys`)
      const starting = Promise.allSettled([0, 1, 2].map(() => startServerProcess(env, dir)))
      try {
        await held.waiters(3)
      } finally {
        await held.release()
      }
      const started = await starting
      for (const result of started) if (result.status === 'fulfilled') servers.push(result.value)
      expect(started.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
      const printed = servers.slice(-3).flatMap((s) => [...s.stdout().matchAll(ADMIN_KEY)].map((m) => m[1]))
      expect(printed).toHaveLength(1)
      const keys = await fetch(`${servers.at(-1)!.url}/api/keys`, { headers: { 'x-api-key': printed[0]! } })
      expect(keys.status).toBe(200)
      const { items } = (await keys.json()) as { items: { name: string }[] }
      expect(items.map((k) => k.name)).toEqual(['admin'])
      for (const server of servers.splice(-3)) expect(await server.stop()).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
