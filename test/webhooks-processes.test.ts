/** Webhooks delivered by real server processes on one PostgreSQL: shared work, restarts. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TEST_SECRET } from './server-helpers.js'
import { type ServerProcess, startServerProcess } from './server-process-helpers.js'
import { dropPostgresTables } from './support/postgres-tables.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from './support/services.js'
import { startReceiver, until } from './webhooks-helpers.js'

const ADMIN_KEY = /^\s+(kw_[0-9A-Za-z]+)$/m
const skip = await serviceSkip('postgres')
if (skip) console.warn(`webhook process tests skipped: ${skip}`)

describe.skipIf(skip)('webhooks from server processes on one PostgreSQL', () => {
  const prefixes: string[] = []
  const servers: ServerProcess[] = []
  const dir = mkdtempSync(join(tmpdir(), 'kw-webhooks-'))
  let cleanupReceiver: (() => Promise<void>) | null = null
  afterAll(async () => {
    await cleanupReceiver?.()
    await Promise.all(servers.map((s) => s.stop('SIGKILL')))
    for (const prefix of prefixes) await dropPostgresTables(prefix)
    rmSync(dir, { recursive: true, force: true })
  })

  const envFor = (retry: string) => {
    const prefix = `${uniqueName('kwhook')}_`
    prefixes.push(prefix)
    return {
      KEYWARDEN_DATABASE_URL: POSTGRES_URL,
      KEYWARDEN_SECRET: TEST_SECRET,
      KEYWARDEN_TABLE_PREFIX: prefix,
      KEYWARDEN_WEBHOOKS_ALLOW_PRIVATE: '1',
      KEYWARDEN_WEBHOOKS_RETRY_MS: retry,
    }
  }
  const start = async (env: Record<string, string>) => {
    const server = await startServerProcess(env, dir)
    servers.push(server)
    return server
  }
  const api = (server: ServerProcess, key: string, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
    })
  const addWebhook = async (server: ServerProcess, key: string, url: string) => {
    const res = await api(server, key, '/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url, events: ['key.created'] }),
    })
    expect(res.status).toBe(201)
    return (await res.json()) as { id: string; secret: string }
  }

  it('three processes deliver each event exactly once per attempt', async () => {
    const env = envFor('300,300,300')
    const first = await start(env)
    const admin = ADMIN_KEY.exec(first.stdout())?.[1] as string
    expect(admin).toBeTruthy()
    const all = [first, await start(env), await start(env)]
    let secret: string | null = null
    // Each event's first attempt gets 500, its second 200.
    const receiver = await startReceiver(
      () => secret,
      [],
      (_id, before) => (before === 0 ? 500 : 200),
    )
    const hook = await addWebhook(first, admin, receiver.url)
    secret = hook.secret
    const count = 12
    for (let i = 0; i < count; i++) {
      const res = await api(all[i % 3] as ServerProcess, admin, '/api/keys', {
        method: 'POST',
        body: JSON.stringify({ name: `k${i}` }),
      })
      expect(res.status).toBe(201)
    }
    await until(
      () => receiver.received.length >= 2 * count,
      async () => {},
      3000,
    )
    // Whatever more could arrive (a duplicate attempt) would come within a retry delay or two.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await receiver.close()
    const perEvent = new Map<string, number>()
    for (const r of receiver.received) perEvent.set(r.id, (perEvent.get(r.id) ?? 0) + 1)
    expect(perEvent.size).toBe(count)
    expect([...perEvent.values()]).toEqual(Array(count).fill(2))
    expect(receiver.received.every((r) => r.valid)).toBe(true)
    const log = (await (await api(first, admin, `/api/webhooks/${hook.id}/deliveries?limit=100`)).json()) as {
      items: Array<{ attempt: number; responseStatus: number }>
    }
    expect(log.items).toHaveLength(2 * count)
    expect(log.items.filter((a) => a.attempt === 1).every((a) => a.responseStatus === 500)).toBe(true)
    expect(log.items.filter((a) => a.attempt === 2).every((a) => a.responseStatus === 200)).toBe(true)
    for (const server of all) expect(await server.stop()).toBe(0)
  }, 90_000)

  it('a server restarted mid-retry still delivers', async () => {
    const env = envFor('400,400,400,400,400,400,400,400,400,400')
    const before = await start(env)
    const admin = ADMIN_KEY.exec(before.stdout())?.[1] as string
    let secret: string | null = null
    let up = false
    const receiver = await startReceiver(
      () => secret,
      [],
      () => (up ? 200 : 503),
    )
    cleanupReceiver = receiver.close
    const hook = await addWebhook(before, admin, receiver.url)
    secret = hook.secret
    await api(before, admin, '/api/keys', { method: 'POST', body: JSON.stringify({ name: 'restart' }) })
    await until(
      () => receiver.received.length >= 1,
      async () => {},
      3000,
    )
    expect(await before.stop()).toBe(0)
    up = true
    const failedAttempts = receiver.received.length
    const after = await start(env)
    await until(
      () => receiver.received.length > failedAttempts,
      async () => {},
      3000,
    )
    const log = (await (await api(after, admin, `/api/webhooks/${hook.id}/deliveries?limit=100`)).json()) as {
      items: Array<{ attempt: number; responseStatus: number; ok: boolean }>
    }
    expect(log.items[0]).toMatchObject({ ok: true, responseStatus: 200, attempt: failedAttempts + 1 })
    expect(log.items.slice(1).every((a) => a.responseStatus === 503)).toBe(true)
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1)
    expect(receiver.received.every((r) => r.valid)).toBe(true)
    expect(await after.stop()).toBe(0)
  }, 90_000)
})
