import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from './cli-harness.js'
import { REDIS_URL, serviceSkip } from './support/services.js'

const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-doctor-'))
const db = `sqlite:${join(cwd, 'doctor.db')}`
const strong = 'Vq7Lm2Xc9Tb4Np8Rz1Kw6Hs3Jd5Gf0Ya2Ue7Oi4Pb'
const weak = 'changeme-changeme-changeme-changeme'
const redisSkip = await serviceSkip('redis')

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

type Check = { name: string; status: string; message: string }
const byName = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.name, c.status]))

describe('keywarden doctor', () => {
  it('fails (exit 1) on a weak secret and missing tables, passes after migrate with a strong one', async () => {
    const before = await cli(['doctor', '--json'], {
      cwd,
      env: { KEYWARDEN_DATABASE_URL: db, KEYWARDEN_SECRET: weak },
    })
    expect(before.code).toBe(1)
    const report = before.json()
    expect(report.ok).toBe(false)
    expect(byName(report.checks)).toEqual({
      secret: 'fail',
      database: 'ok',
      migrations: 'fail',
      redis: 'ok',
      https: 'ok',
    })
    expect(before.stdout).toMatch(/keywarden migrate/)
    expect(before.stdout + before.stderr).not.toContain(weak)

    expect((await cli(['migrate'], { cwd, env: { KEYWARDEN_DATABASE_URL: db } })).code).toBe(0)
    const env: Record<string, string> = { KEYWARDEN_DATABASE_URL: db, KEYWARDEN_SECRET: strong }
    if (!redisSkip) env.KEYWARDEN_REDIS_URL = REDIS_URL
    const after = await cli(['doctor'], { cwd, env })
    expect(after.code).toBe(0)
    expect(after.stdout).toMatch(/^OK +secret +KEYWARDEN_SECRET is set/m)
    expect(after.stdout).toMatch(/^OK +migrations/m)
    if (!redisSkip) expect(after.stdout).toMatch(/^OK +redis +redis:\/\/.* answers/m)
    expect(after.stdout).not.toContain(strong)
  })

  it('fails on a weak KEYWARDEN_SECRET even with a strong keyring (it still signs dashboard sessions)', async () => {
    const keyring = JSON.stringify({ current: 'k1', keys: { k1: strong } })
    const result = await cli(['doctor', '--json'], {
      cwd,
      env: { KEYWARDEN_DATABASE_URL: db, KEYWARDEN_KEYRING: keyring, KEYWARDEN_SECRET: 'a'.repeat(40) },
    })
    expect(result.code).toBe(1)
    const secret = result.json().checks.find((c: Check) => c.name === 'secret')
    expect(secret).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^KEYWARDEN_SECRET is too predictable/),
    })
    expect(result.stdout + result.stderr).not.toContain(strong)
  })

  it('reports production without a secret, unreachable Redis, plain-HTTP public URL and a down database', async () => {
    const [prod, down] = await Promise.all([
      cli(['doctor', '--json'], {
        cwd,
        env: {
          NODE_ENV: 'production',
          KEYWARDEN_DATABASE_URL: db,
          KEYWARDEN_REDIS_URL: 'redis://:hunter2redis@127.0.0.1:1',
          KEYWARDEN_PUBLIC_URL: 'http://keys.example.com',
          HOST: '0.0.0.0',
        },
      }),
      cli(['doctor', '--json', '--database-url', 'postgres://postgres:s3cr3tpass@127.0.0.1:1/test'], {
        cwd,
        env: { KEYWARDEN_SECRET: strong },
      }),
    ])
    expect(prod.code).toBe(1)
    expect(byName(prod.json().checks)).toEqual({
      secret: 'fail',
      database: 'ok',
      migrations: 'ok',
      redis: 'fail',
      https: 'fail',
    })
    expect(prod.stdout).not.toContain('hunter2redis')
    expect(down.code).toBe(1)
    expect(byName(down.json().checks)).toMatchObject({ secret: 'ok', database: 'fail', migrations: 'warn' })
    expect(down.stdout + down.stderr).not.toContain('s3cr3tpass')
  })
})
