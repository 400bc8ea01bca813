/**
 * The server's embedded default (SQLite, no Redis): key lookups answered in process, and a revoke
 * by another process on the same file (the CLI, a second store) refused within 100 ms.
 */
import { hash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/keys/keywarden.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { openEmbeddedCache, openServerStores, type StoreSettings } from '../packages/server/src/stores.js'
import { cli } from './cli-harness.js'
import { TEST_SECRET } from './server-helpers.js'
import { type ServerProcess, startServerProcess } from './server-process-helpers.js'

const ADMIN_KEY = /^\s+(kw_[0-9A-Za-z]+)$/m
const dir = mkdtempSync(join(tmpdir(), 'kw-embedded-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function settings(databaseUrl: string): StoreSettings {
  return { databaseUrl, tablePrefix: null, redisUrl: null, redisNamespace: null, cacheTtlMs: 10_000 }
}

/** Calls `check` until it says the key is refused; the ms that took, or Infinity after `limitMs`. */
async function msUntilRefused(check: () => Promise<boolean>, limitMs = 2000): Promise<number> {
  const start = performance.now()
  while (performance.now() - start < limitMs) {
    if (await check()) return performance.now() - start
    await sleep(2)
  }
  return Number.POSITIVE_INFINITY
}

describe('openServerStores on SQLite without Redis', () => {
  it('keeps key lookups in process and sees a revoke by another connection within 100 ms', async () => {
    const file = join(dir, 'stores.db')
    const stores = await openServerStores(settings(`sqlite:${file}`))
    const warden = createKeywarden({ store: stores.keys, prefix: 'kw', lastUsed: false })
    const other = createKeywarden({
      store: sqlStore({ url: `sqlite:${file}` }),
      prefix: 'kw',
      lastUsed: false,
    })
    try {
      const { key, record } = await other.keys.create({ name: 'shared' })
      expect((await warden.keys.verify(key)).valid).toBe(true)
      // The in-process tier holds it: the next verification never reaches SQLite.
      expect(stores.keys.peekKeyByHash?.(hash('sha256', key, 'hex'))).toMatchObject({ id: record.id })

      await other.keys.revoke(record.id)
      const elapsed = await msUntilRefused(async () => !(await warden.keys.verify(key)).valid)
      expect(elapsed, 'ms from the CLI exiting to the refusal').toBeLessThan(100)
    } finally {
      await Promise.all([warden.close(), other.close()])
      await stores.closeRest()
    }
  })

  it('adds no in-process tier for a database that cannot tell it of other writers', async () => {
    const config = settings('postgres://u:p@127.0.0.1:5432/test')
    expect(await openEmbeddedCache(sqlStore({ url: config.databaseUrl }), config)).toBeNull()
  })
})

describe('a running SQLite server and the CLI on the same file', () => {
  it('refuses a key within 100 ms of `keywarden keys revoke` exiting', async () => {
    const cwd = mkdtempSync(join(dir, 'server-'))
    let server: ServerProcess | undefined
    try {
      server = await startServerProcess({ KEYWARDEN_SECRET: TEST_SECRET }, cwd)
      const { url } = server
      const admin = ADMIN_KEY.exec(server.stdout())?.[1] as string
      expect(admin).toBeDefined()
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      const created = await post('/api/keys', { name: 'customer' })
      expect(created.status).toBe(201)
      const { key, record } = (await created.json()) as { key: string; record: { id: string } }
      const code = async () => ((await (await post('/api/verify', { key })).json()) as { code: string }).code
      // Warm: the server now answers this key from its in-process tier.
      for (let i = 0; i < 20; i++) expect(await code()).toBe('VALID')

      const revoked = await cli(['keys', 'revoke', record.id, '--json'], { cwd })
      const exited = performance.now()
      expect(revoked.code).toBe(0)
      let last = ''
      while (performance.now() - exited < 2000) {
        last = await code()
        if (last !== 'VALID') break
        await sleep(2)
      }
      const elapsed = performance.now() - exited
      expect(last).toBe('REVOKED')
      expect(elapsed, 'ms from the CLI exiting to the refusal').toBeLessThan(100)
    } finally {
      await server?.stop('SIGKILL')
    }
  }, 60_000)
})
