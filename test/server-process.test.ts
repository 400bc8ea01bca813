import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runServerExpectingExit, type ServerProcess, startServerProcess } from './server-process-helpers.js'
import { POSTGRES_URL, REDIS_URL, serviceSkip, uniqueName } from './support/services.js'

const ADMIN_KEY = /^\s+(kw_[0-9A-Za-z]+)$/m

describe('npm start on the embedded default (sqlite)', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-serve-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('generates a 0600 secret file, prints the admin key once, serves, and exits 0 on SIGTERM', async () => {
    const first = await startServerProcess({}, dir)
    let stopped = false
    let admin: string | undefined
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const secretFile = join(dir, '.keywarden', 'secret')
      expect(statSync(secretFile).mode & 0o777).toBe(0o600)
      expect(first.stderr()).toMatch(/KEYWARDEN_SECRET is not set/)
      expect(existsSync(join(dir, 'keywarden.db'))).toBe(true)
      admin = ADMIN_KEY.exec(first.stdout())?.[1]
      expect(admin).toBeDefined()
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200)
      const keys = await fetch(`${first.url}/api/keys`, { headers: { 'x-api-key': admin! } })
      expect(keys.status).toBe(200)
      const dashboard = await fetch(`${first.url}/`, { redirect: 'manual' })
      expect(dashboard.status).toBe(303)
      expect(await first.stop()).toBe(0)
      stopped = true
      expect(first.stderr()).toMatch(/SIGTERM received; flushing last-used times and closing stores/)
    } finally {
      if (!stopped) await first.stop('SIGKILL')
    }

    // Second start on the same database: no new admin key, same secret file, and the last-used
    // time of the admin key (pending in memory, flush interval 10 s) was written at shutdown.
    const second = await startServerProcess({}, dir)
    try {
      expect(second.stdout()).not.toMatch(ADMIN_KEY)
      expect(second.stderr()).toMatch(/using the development secret/)
      const list = await fetch(`${second.url}/api/keys`, { headers: { 'x-api-key': admin! } })
      const { items } = (await list.json()) as { items: { name: string; lastUsedAt: string | null }[] }
      expect(items.find((k) => k.name === 'admin')?.lastUsedAt).not.toBeNull()
    } finally {
      expect(await second.stop('SIGINT')).toBe(0)
    }
  })

  it('refuses to start with NODE_ENV=production and no KEYWARDEN_SECRET', async () => {
    const prod = mkdtempSync(join(tmpdir(), 'kw-prod-'))
    try {
      const result = await runServerExpectingExit({ NODE_ENV: 'production' }, prod)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/cannot start: KEYWARDEN_SECRET is required with NODE_ENV=production/)
      expect(existsSync(join(prod, '.keywarden'))).toBe(false)
      expect(existsSync(join(prod, 'keywarden.db'))).toBe(false)
    } finally {
      rmSync(prod, { recursive: true, force: true })
    }
  })
})

const skipServices = (await serviceSkip('postgres')) || (await serviceSkip('redis'))
if (skipServices) console.warn(`two-instance test skipped: ${skipServices}`)

describe.skipIf(skipServices)('two servers on postgres + redis', () => {
  const tablePrefix = `${uniqueName('kwsrv')}_`
  const namespace = uniqueName('kwsrv')
  const secret = 'Vb3nQ9xL2mR7tY0wK5pZ8cF1hJ4sD6gA-two-instances'
  let dir: string
  const servers: ServerProcess[] = []

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-two-'))
  })

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGTERM')))
    rmSync(dir, { recursive: true, force: true })
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    try {
      const { rows } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1',
        [`${tablePrefix.replace(/_/g, '\\_')}%`],
      )
      for (const { table_name } of rows) await client.query(`DROP TABLE IF EXISTS "${table_name}" CASCADE`)
    } finally {
      await client.end()
    }
    const redis = new Redis(REDIS_URL)
    try {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 500)
        cursor = next
        if (keys.length > 0) await redis.del(...keys)
      } while (cursor !== '0')
    } finally {
      redis.disconnect()
    }
  })

  it('rejects on one instance, within 1 s, a key revoked through the other', async () => {
    const env = {
      KEYWARDEN_DATABASE_URL: POSTGRES_URL,
      KEYWARDEN_REDIS_URL: REDIS_URL,
      KEYWARDEN_SECRET: secret,
      KEYWARDEN_TABLE_PREFIX: tablePrefix,
      KEYWARDEN_REDIS_NAMESPACE: namespace,
      // A long cache TTL: only the invalidation message can make the other instance notice in time.
      KEYWARDEN_CACHE_TTL_MS: '600000',
    }
    const a = await startServerProcess(env, dir)
    servers.push(a)
    const admin = ADMIN_KEY.exec(a.stdout())?.[1]
    expect(admin).toBeDefined()
    const b = await startServerProcess(env, dir)
    servers.push(b)
    expect(b.stdout()).not.toMatch(ADMIN_KEY)
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200)

    const created = await fetch(`${a.url}/api/keys`, {
      method: 'POST',
      headers: { 'x-api-key': admin!, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shared client' }),
    })
    expect(created.status).toBe(201)
    const { key, record } = (await created.json()) as { key: string; record: { id: string } }

    // Warm B's caches: it now answers from memory.
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${b.url}/api/demo`, { headers: { 'x-api-key': key } })).status).toBe(200)
    }

    const revoked = await fetch(`${a.url}/api/keys/${record.id}/revoke`, {
      method: 'POST',
      headers: { 'x-api-key': admin! },
    })
    expect(revoked.status).toBe(200)
    const revokedAt = performance.now()
    let status = 200
    let elapsed = 0
    while (elapsed < 3000) {
      status = (await fetch(`${b.url}/api/demo`, { headers: { 'x-api-key': key } })).status
      elapsed = performance.now() - revokedAt
      if (status === 401) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    console.log(`revoked through instance A, rejected by instance B after ${elapsed.toFixed(1)} ms`)
    expect(status).toBe(401)
    expect(elapsed).toBeLessThan(1000)

    expect(await a.stop()).toBe(0)
    expect(await b.stop()).toBe(0)
  })
})
