import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { cjmFernetKey, importCjmByok } from '../packages/keywarden/src/import/cjm-byok.js'
import { fernetEncrypt } from '../packages/keywarden/src/import/fernet.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { MYSQL_URL, POSTGRES_URL, serviceSkip, uniqueName } from './support/services.js'

const FIXTURE = new URL('./fixtures/cjm-byok-sample.db', import.meta.url).pathname
const sample = JSON.parse(
  readFileSync(new URL('./fixtures/cjm-byok-sample.json', import.meta.url), 'utf8'),
) as {
  app_secret: string
  rows: Array<{
    id: number
    user_id: string
    provider: string
    plaintext: string
    created_at: string
    expires_at: string | null
  }>
}
const NOW = () => new Date('2026-11-23T12:30:00Z')
const dir = mkdtempSync(join(tmpdir(), 'kw-cjm-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function copyFixture(): string {
  const path = join(dir, `${randomBytes(4).toString('hex')}.db`)
  copyFileSync(FIXTURE, path)
  return path
}

const newVault = () => {
  const store = memoryStore()
  return { store, vault: createVault({ secret: randomBytes(32), store, defaultTtlMs: null }) }
}

describe('importCjmByok', () => {
  it('imports the sample database: every live (user, provider), with created_at and expires_at kept', async () => {
    const { vault, store } = newVault()
    const report = await importCjmByok({
      url: `sqlite:${FIXTURE}`,
      appSecret: sample.app_secret,
      vault,
      now: NOW,
    })
    expect(report).toEqual({ imported: 3, skippedExpired: 1, failed: [] })
    for (const row of sample.rows) {
      const handle = vault.for({ userId: row.user_id })
      if (row.id === 4) {
        expect(await store.getSecret(`user:${row.user_id}`, row.provider)).toBeNull()
        continue
      }
      expect(await handle.get(row.provider)).toBe(row.plaintext)
      const summary = (await handle.list()).find((s) => s.provider === row.provider)
      expect(summary?.createdAt.toISOString()).toBe(`${row.created_at.slice(0, 23)}Z`)
      expect(summary?.expiresAt?.toISOString() ?? null).toBe(
        row.expires_at ? `${row.expires_at.slice(0, 23)}Z` : null,
      )
    }
  })

  it('imports the expired row too when it is not yet expired, and reads naive times in the given time zone', async () => {
    const early = () => new Date('2026-11-20T00:00:00Z')
    const vault = createVault({ secret: randomBytes(32), store: memoryStore(), now: early })
    const report = await importCjmByok({
      url: `sqlite:///${FIXTURE}`,
      appSecret: sample.app_secret,
      vault,
      timezone: 'Europe/Berlin',
      now: early,
    })
    expect(report).toEqual({ imported: 4, skippedExpired: 0, failed: [] })
    const [google] = await vault.for({ userId: 'u2' }).list()
    expect(google?.provider).toBe('google')
    // 12:00 in Berlin (CET, UTC+1) is 11:00 UTC.
    expect(google?.createdAt.toISOString()).toBe('2026-11-20T11:00:00.123Z')
  })

  it('a corrupted token is reported, not imported; the others still are', async () => {
    const path = copyFixture()
    const db = new Database(path)
    const { encrypted_value: hex } = db
      .prepare('SELECT encrypted_value FROM user_api_keys WHERE id = 2')
      .get() as {
      encrypted_value: string
    }
    const token = Buffer.from(hex, 'hex').toString('latin1')
    // Change one character of the ciphertext part: base64 stays valid, the HMAC no longer matches.
    const i = 60
    const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
    db.prepare('UPDATE user_api_keys SET encrypted_value = ? WHERE id = 2').run(
      Buffer.from(changed).toString('hex'),
    )
    db.prepare('UPDATE user_api_keys SET encrypted_value = ? WHERE id = 3').run('zz-not-hex')
    db.close()

    const { vault, store } = newVault()
    const report = await importCjmByok({
      url: `sqlite:///${path}`,
      appSecret: sample.app_secret,
      vault,
      now: NOW,
    })
    expect(report.imported).toBe(1)
    expect(report.failed).toEqual([
      { id: '2', reason: expect.stringMatching(/HMAC mismatch/) },
      { id: '3', reason: expect.stringMatching(/not hex/) },
    ])
    expect(await store.getSecret('user:u1', 'anthropic')).toBeNull()
    expect(await store.getSecret('user:u2', 'openai')).toBeNull()
    expect(await vault.for({ userId: 'u1' }).get('openai')).toBe(sample.rows[0]?.plaintext)
    for (const failure of report.failed)
      for (const row of sample.rows) expect(failure.reason).not.toContain(row.plaintext)
  })

  it('the wrong app secret imports nothing and reports every live row', async () => {
    const { vault, store } = newVault()
    const report = await importCjmByok({
      url: `sqlite:${FIXTURE}`,
      appSecret: 'another-secret',
      vault,
      now: NOW,
    })
    expect(report.imported).toBe(0)
    expect(report.failed.map((f) => f.id)).toEqual(['1', '2', '3'])
    expect((await store.scanSecrets({ limit: 10 })).items).toEqual([])
  })

  it('reports rows the vault refuses (unknown provider, key of the wrong shape) without their plaintext', async () => {
    const path = copyFixture()
    const db = new Database(path)
    const key = cjmFernetKey(sample.app_secret)
    const insert = db.prepare(
      'INSERT INTO user_api_keys (id, user_id, provider, encrypted_value, created_at, expires_at) VALUES (?, ?, ?, ?, ?, NULL)',
    )
    const hexToken = (text: string) => Buffer.from(fernetEncrypt(text, key)).toString('hex')
    insert.run(10, 'u3', 'acme', hexToken('acme-key-0123456789'), '2026-11-22 10:00:00.5')
    insert.run(11, 'u3', 'openai', hexToken('definitely-not-openai'), '2026-11-22T10:00:00')
    db.close()
    const { vault } = newVault()
    const report = await importCjmByok({
      url: `sqlite:${path}`,
      appSecret: sample.app_secret,
      vault,
      now: NOW,
    })
    expect(report.imported).toBe(3)
    expect(report.failed).toEqual([
      { id: '10', reason: expect.stringMatching(/unknown provider "acme"/) },
      { id: '11', reason: expect.stringMatching(/OpenAI/) },
    ])
    expect(JSON.stringify(report)).not.toContain('definitely-not-openai')
  })

  it('refuses bad options with ConfigError', async () => {
    const { vault } = newVault()
    const base = { appSecret: sample.app_secret, vault }
    await expect(importCjmByok({ ...base, url: 'mongodb://x@localhost/db' })).rejects.toThrow(ConfigError)
    const refused = await importCjmByok({ ...base, url: 'postgresql://me:hunter2@127.0.0.1:1/db' }).catch(
      (e) => e,
    )
    expect(refused).toBeInstanceOf(ConfigError)
    expect(refused.message).not.toContain('hunter2')
    await expect(importCjmByok({ ...base, url: `sqlite:${join(dir, 'missing.db')}` })).rejects.toThrow(
      ConfigError,
    )
    await expect(importCjmByok({ ...base, url: `sqlite:${FIXTURE}`, table: 'nope' })).rejects.toThrow(
      /cannot read table/,
    )
    await expect(importCjmByok({ ...base, url: `sqlite:${FIXTURE}`, table: 'x; DROP' })).rejects.toThrow(
      ConfigError,
    )
    await expect(importCjmByok({ ...base, url: `sqlite:${FIXTURE}`, timezone: 'Mars/Base' })).rejects.toThrow(
      ConfigError,
    )
  })
})

/** The fixture's rows, as cjm-fasthtml-byok would have written them to a server database. */
const fixtureRows = () => {
  const db = new Database(FIXTURE, { readonly: true })
  const rows = db.prepare('SELECT * FROM user_api_keys ORDER BY id').all() as Array<Record<string, unknown>>
  db.close()
  return rows
}

describe.skipIf(await serviceSkip('postgres'))('importCjmByok from PostgreSQL', () => {
  const table = uniqueName('cjm_keys')
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS "${table}"`)
    await client.end()
  })

  it('reads a postgresql+psycopg2:// URL, naive TIMESTAMP columns included', async () => {
    await client.connect()
    await client.query(
      `CREATE TABLE "${table}" (id SERIAL PRIMARY KEY, user_id VARCHAR NOT NULL, provider VARCHAR NOT NULL, encrypted_value VARCHAR NOT NULL, created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, expires_at TIMESTAMP WITHOUT TIME ZONE)`,
    )
    for (const row of fixtureRows()) {
      await client.query(`INSERT INTO "${table}" VALUES ($1, $2, $3, $4, $5, $6)`, [
        row.id,
        row.user_id,
        row.provider,
        row.encrypted_value,
        row.created_at,
        row.expires_at,
      ])
    }
    const { vault } = newVault()
    const url = POSTGRES_URL.replace(/^postgres:/, 'postgresql+psycopg2:')
    expect(await importCjmByok({ url, table, appSecret: sample.app_secret, vault, now: NOW })).toEqual({
      imported: 3,
      skippedExpired: 1,
      failed: [],
    })
    const [anthropic] = await vault.for({ userId: 'u1' }).list()
    expect(anthropic?.createdAt.toISOString()).toBe('2026-11-23T12:00:00.123Z')
    expect(await vault.for({ userId: 'u1' }).get('anthropic')).toBe(sample.rows[1]?.plaintext)
  })
})

describe.skipIf(await serviceSkip('mysql'))('importCjmByok from MySQL/MariaDB', () => {
  const table = uniqueName('cjm_keys')
  let connection: mysql.Connection
  afterAll(async () => {
    await connection?.query(`DROP TABLE IF EXISTS \`${table}\``)
    await connection?.end()
  })

  it('reads a mysql+pymysql:// URL, DATETIME columns included', async () => {
    connection = await mysql.createConnection({ uri: MYSQL_URL })
    await connection.query(
      `CREATE TABLE \`${table}\` (id INTEGER PRIMARY KEY, user_id VARCHAR(255) NOT NULL, provider VARCHAR(64) NOT NULL, encrypted_value TEXT NOT NULL, created_at DATETIME(6) NOT NULL, expires_at DATETIME(6) NULL)`,
    )
    for (const row of fixtureRows()) {
      await connection.query(`INSERT INTO \`${table}\` VALUES (?, ?, ?, ?, ?, ?)`, [
        row.id,
        row.user_id,
        row.provider,
        row.encrypted_value,
        String(row.created_at).replace('T', ' '),
        row.expires_at === null ? null : String(row.expires_at).replace('T', ' '),
      ])
    }
    const { vault } = newVault()
    const url = MYSQL_URL.replace(/^mysql:/, 'mysql+pymysql:')
    expect(await importCjmByok({ url, table, appSecret: sample.app_secret, vault, now: NOW })).toEqual({
      imported: 3,
      skippedExpired: 1,
      failed: [],
    })
    const summaries = await vault.for({ userId: 'u2' }).list()
    expect(summaries.map((s) => s.provider)).toEqual(['openai'])
    expect(summaries[0]?.expiresAt?.toISOString()).toBe('2036-11-20T12:00:00.123Z')
  })
})
