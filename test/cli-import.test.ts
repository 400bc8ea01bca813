import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { cli } from './cli-harness.js'
import { litestarKey, SQLITE_DDL, sqliteDateTime } from './fixtures/litestar-schema.js'

const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-import-'))
const source = join(cwd, 'litestar.db')
const env = { KEYWARDEN_DATABASE_URL: `sqlite:${join(cwd, 'keywarden.db')}` }
const good = [litestarKey(), litestarKey(), litestarKey()]
const revoked = litestarKey()
const broken = litestarKey()

beforeAll(() => {
  const db = new Database(source)
  db.exec(SQLITE_DDL('api_keys'))
  const insert = db.prepare(
    `INSERT INTO api_keys (key_id, key_hash, name, scopes, is_active, created_at, expires_at, last_used_at, metadata_)
     VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 'null')`,
  )
  const created = sqliteDateTime(new Date('2025-01-02T03:04:05.678Z'), '901')
  for (const [i, k] of good.entries()) insert.run(k.keyId, k.hash, `key ${i}`, '["users:read"]', 1, created)
  insert.run(revoked.keyId, revoked.hash, 'revoked', '[]', 0, created)
  insert.run(broken.keyId, 'xyz', 'broken', '[]', 1, created)
  db.close()
})

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('keywarden import litestar', () => {
  it('imports a litestar-api-auth database; the old raw keys verify with acceptLegacy only', async () => {
    const first = await cli(['import', 'litestar', '--from', `sqlite:${source}`, '--json'], { cwd, env })
    expect(first.code).toBe(1) // one row failed
    expect(first.json()).toEqual({
      total: 5,
      imported: 4,
      skipped: 0,
      failed: [{ id: broken.keyId, reason: expect.stringContaining('SHA-256') }],
    })
    expect(first.stderr).toMatch(/import litestar: 5\/5/) // plain progress lines off a TTY
    const legacy = { ...env, KEYWARDEN_ACCEPT_LEGACY: '1' }
    const [ok, scoped, off, strict, again] = await Promise.all([
      cli(['keys', 'verify', '--json'], { cwd, env: legacy, input: good[0]?.raw }),
      // the flag instead of KEYWARDEN_ACCEPT_LEGACY
      cli(['keys', 'verify', '--accept-legacy', '--scopes', 'users:read', '--json'], {
        cwd,
        env,
        input: good[2]?.raw,
      }),
      cli(['keys', 'verify', '--json'], { cwd, env: legacy, input: revoked.raw }),
      cli(['keys', 'verify', '--json'], { cwd, env, input: good[1]?.raw }),
      cli(['import', 'litestar', '--from', `sqlite:///${source}`, '--table', 'api_keys'], { cwd, env }),
    ])
    expect([ok.code, ok.json()]).toMatchObject([
      0,
      { valid: true, key: { id: good[0]?.keyId, legacy: true, name: 'key 0' } },
    ])
    expect(ok.json().key.createdAt).toBe('2025-01-02T03:04:05.678Z')
    expect([scoped.code, scoped.json().valid]).toEqual([0, true])
    expect([off.code, off.json().code]).toEqual([1, 'REVOKED'])
    expect([strict.code, strict.json()]).toEqual([1, { valid: false, code: 'MALFORMED' }])
    expect(again.code).toBe(1)
    expect(again.stdout).toBe(
      `read 5, imported 0, already there 4, failed 1\n  failed ${broken.keyId}: key_hash is not a SHA-256 hex digest (64 hex characters)\n`,
    )
    for (const r of [first, ok, scoped, off, strict, again]) {
      for (const k of [...good, revoked]) {
        expect(r.stdout + r.stderr).not.toContain(k.raw)
        expect(r.stdout + r.stderr).not.toContain(k.hash)
      }
    }
    const list = await cli(['keys', 'list', '--json'], { cwd, env })
    expect(list.json().items).toHaveLength(4)
  })

  it('fails with exit 1 and a clear message on a missing source', async () => {
    const missing = await cli(['import', 'litestar', '--from', `sqlite:${join(cwd, 'nope.db')}`, '--json'], {
      cwd,
      env,
    })
    expect(missing.code).toBe(1)
    expect(missing.json().error).toMatchObject({
      code: 'ERR_STORE',
      message: expect.stringMatching(/cannot open the sqlite database/),
    })
  })
})

describe('keywarden import cjm-byok', () => {
  it('moves the sample app’s provider keys into the vault; values never reach the output', async () => {
    const fixture = new URL('./fixtures/cjm-byok-sample.json', import.meta.url)
    const sample = JSON.parse(readFileSync(fixture, 'utf8')) as {
      app_secret: string
      rows: Array<{ user_id: string; provider: string; plaintext: string; expires_at: string | null }>
    }
    const db = new URL('./fixtures/cjm-byok-sample.db', import.meta.url).pathname
    const secret = 'Zq3v8Lk2Rt6Yp1Wn4Xb7Mc0Hd5Jf9Gs2Ua6Ke3Vi8'
    const target = `sqlite:${join(cwd, 'byok.db')}`
    const env = {
      KEYWARDEN_DATABASE_URL: target,
      KEYWARDEN_SECRET: secret,
      CJM_BYOK_SECRET: sample.app_secret,
    }
    const [result, noAppSecret] = await Promise.all([
      cli(['import', 'cjm-byok', '--from', `sqlite:${db}`, '--json'], { cwd, env }),
      cli(['import', 'cjm-byok', '--from', `sqlite:${db}`], { cwd, env: { ...env, CJM_BYOK_SECRET: '' } }),
    ])
    const live = sample.rows.filter(
      (r) => r.expires_at === null || Date.parse(`${r.expires_at}Z`) > Date.now(),
    )
    expect(result.code).toBe(0)
    expect(result.json()).toEqual({
      imported: live.length,
      skippedExpired: sample.rows.length - live.length,
      failed: [],
    })
    for (const row of sample.rows) expect(result.stdout + result.stderr).not.toContain(row.plaintext)
    expect(result.stdout + result.stderr).not.toContain(sample.app_secret)
    expect(noAppSecret.code).toBe(2)
    expect(noAppSecret.stderr).toMatch(/set CJM_BYOK_SECRET/)

    const store = sqlStore({ url: target })
    try {
      const vault = createVault({ store, secret })
      for (const row of live)
        expect(await vault.for({ userId: row.user_id }).get(row.provider)).toBe(row.plaintext)
    } finally {
      await store.close()
    }
  })
})
