/** cachedStore's `watch` over SQLite's data_version: writes by another connection seen within 100 ms. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { createKeywarden } from '../packages/keywarden/src/keys/keywarden.js'
import { type CachedStoreOptions, cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { countingStore } from '../packages/keywarden/src/testing/index.js'

const dir = mkdtempSync(join(tmpdir(), 'kw-watch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** One process's view of a SQLite file: its own connection, behind its own cachedStore. */
function instance(file: string, options: Partial<CachedStoreOptions> & { watched?: boolean } = {}) {
  const { watched = true, ...rest } = options
  const sql = sqlStore({ url: `sqlite:${file}` })
  const primary = countingStore(sql)
  const store = cachedStore({
    primary,
    ttlMs: 60_000,
    ...(watched ? { watch: { version: () => sql.dataVersion?.() } } : {}),
    ...rest,
  })
  const warden = createKeywarden({ store, prefix: 'tw', lastUsed: false })
  return { sql, primary, store, warden }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Verifies until the key is refused; the ms it took, or Infinity after `limitMs`. */
async function msUntilRefused(verify: () => Promise<{ valid: boolean }>, limitMs: number): Promise<number> {
  const start = performance.now()
  while (performance.now() - start < limitMs) {
    if (!(await verify()).valid) return performance.now() - start
    await sleep(2)
  }
  return Number.POSITIVE_INFINITY
}

describe('cachedStore watch over sqlStore on one SQLite file', () => {
  it('sqlStore has dataVersion on SQLite only; it moves for other connections, not its own writes', async () => {
    expect(sqlStore({ url: 'postgres://u:p@127.0.0.1:5432/test' }).dataVersion).toBeUndefined()
    const file = join(dir, `${files++}.db`)
    const a = sqlStore({ url: `sqlite:${file}` })
    const b = sqlStore({ url: `sqlite:${file}` })
    const wardenA = createKeywarden({ store: a, prefix: 'tw', lastUsed: false })
    const wardenB = createKeywarden({ store: b, prefix: 'tw', lastUsed: false })
    await wardenA.keys.create({ name: 'first' })
    const before = await b.dataVersion?.()
    await wardenB.keys.create({ name: 'own write' })
    expect(await b.dataVersion?.()).toBe(before)
    await wardenA.keys.create({ name: 'another connection' })
    expect(await b.dataVersion?.()).not.toBe(before)
    await Promise.all([wardenA.close(), wardenB.close()])
  })

  it('a key revoked through one store is refused by the other within 100 ms; warm reads stay in process', async () => {
    const file = join(dir, `${files++}.db`)
    const a = instance(file)
    const b = instance(file)
    try {
      const { key, record } = await a.warden.keys.create({ name: 'shared' })
      expect((await b.warden.keys.verify(key)).valid).toBe(true)
      await sleep(60) // the watcher's first read drops what was cached before it
      b.primary.resetCalls()
      for (let i = 0; i < 1000; i++) expect((await b.warden.keys.verify(key)).valid).toBe(true)
      await sleep(100) // polls that find nothing new keep the tier
      expect((await b.warden.keys.verify(key)).valid).toBe(true)
      expect(b.primary.calls.getKeyByHash ?? 0).toBeLessThanOrEqual(1)

      await a.warden.keys.revoke(record.id)
      const elapsed = await msUntilRefused(() => b.warden.keys.verify(key), 1000)
      expect(elapsed).toBeLessThan(100)
      expect(await b.warden.keys.verify(key)).toMatchObject({ valid: false, code: 'REVOKED' })
    } finally {
      await Promise.all([a.warden.close(), b.warden.close()])
    }
  })

  it('its own writes do not drop the tier: another key created on the same store costs the hot key nothing', async () => {
    const file = join(dir, `${files++}.db`)
    const b = instance(file)
    try {
      const { key } = await b.warden.keys.create({ name: 'hot' })
      await b.warden.keys.verify(key)
      await sleep(60)
      await b.warden.keys.verify(key)
      b.primary.resetCalls()
      await b.warden.keys.create({ name: 'other' })
      await sleep(100)
      expect((await b.warden.keys.verify(key)).valid).toBe(true)
      expect(b.primary.calls.getKeyByHash ?? 0).toBe(0)
    } finally {
      await b.warden.close()
    }
  })

  it('without watch the other store keeps accepting the revoked key (what the watcher fixes)', async () => {
    const file = join(dir, `${files++}.db`)
    const a = instance(file)
    const b = instance(file, { watched: false })
    try {
      const { key, record } = await a.warden.keys.create({ name: 'shared' })
      expect((await b.warden.keys.verify(key)).valid).toBe(true)
      await a.warden.keys.revoke(record.id)
      expect(await msUntilRefused(() => b.warden.keys.verify(key), 300)).toBe(Number.POSITIVE_INFINITY)
    } finally {
      await Promise.all([a.warden.close(), b.warden.close()])
    }
  })
})

describe('cachedStore watch: the poller', () => {
  /** A cachedStore over memoryStore whose marker the test sets; counts reads of it. */
  function watched(intervalMs: number, onError?: (error: unknown) => void) {
    const state = { version: 0 as number | Error, reads: 0 }
    const primary = countingStore(memoryStore())
    const store = cachedStore({
      primary,
      watch: {
        intervalMs,
        version: () => {
          state.reads++
          if (state.version instanceof Error) throw state.version
          return state.version
        },
      },
      ...(onError ? { onError } : {}),
    })
    const warden = createKeywarden({ store, prefix: 'tw', lastUsed: false })
    return { state, primary, store, warden }
  }

  it('does not poll before something is cached, and stops on close', async () => {
    const { state, warden } = watched(5)
    await sleep(30)
    expect(state.reads).toBe(0)
    const { key } = await warden.keys.create({ name: 'k' })
    await warden.keys.verify(key)
    await sleep(40)
    expect(state.reads).toBeGreaterThan(2)
    await warden.close()
    const atClose = state.reads
    await sleep(40)
    expect(state.reads).toBe(atClose)
  })

  it('reports a failing read through onError, keeps polling, and drops the tier once it moved', async () => {
    const errors: unknown[] = []
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    const { state, primary, warden } = watched(5, (error) => errors.push(error))
    try {
      const { key } = await warden.keys.create({ name: 'k' })
      await warden.keys.verify(key)
      await sleep(30)
      await warden.keys.verify(key)
      primary.resetCalls()
      state.version = new Error('disk on fire')
      await sleep(30)
      await warden.keys.verify(key)
      expect(primary.calls.getKeyByHash ?? 0).toBe(0) // a failed read is not a change
      expect(errors).toEqual([state.version])
      state.version = 1
      await sleep(30)
      await warden.keys.verify(key)
      expect(primary.calls.getKeyByHash).toBe(1)
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      await warden.close()
    }
  })

  it('reports a marker that is always undefined (dataVersion?.() on a store that is not SQLite)', async () => {
    const errors: unknown[] = []
    const store = cachedStore({
      primary: memoryStore(),
      watch: { intervalMs: 5, version: () => undefined },
      onError: (error) => errors.push(error),
    })
    await store.getKeyByHash('a'.repeat(64))
    await sleep(20)
    await store.close()
    expect(errors[0]).toBeInstanceOf(ConfigError)
    expect(String(errors[0])).toMatch(/dataVersion\(\) on SQLite only/)
  })

  it('never keeps the process alive: a script that does not close its store exits', () => {
    const script = `
      import { cachedStore } from ${JSON.stringify(join(import.meta.dirname, '../packages/keywarden/src/stores/cached.ts'))}
      import { memoryStore } from ${JSON.stringify(join(import.meta.dirname, '../packages/keywarden/src/stores/memory.ts'))}
      const store = cachedStore({ primary: memoryStore(), watch: { intervalMs: 5, version: () => 1 } })
      await store.getKeyByHash('a'.repeat(64))
      console.log('cached')
    `
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(run.signal).toBeNull() // not killed by the timeout
    expect([run.status, run.stdout.trim()]).toEqual([0, 'cached'])
  })

  it('refuses malformed watch options with ConfigError', () => {
    const primary = memoryStore()
    expect(() => cachedStore({ primary, watch: {} as never })).toThrow(ConfigError)
    expect(() => cachedStore({ primary, watch: { version: () => 1, intervalMs: 0 } })).toThrow(
      /watch.intervalMs/,
    )
  })
})
