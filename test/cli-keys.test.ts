import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SQL_MIGRATIONS } from '../packages/keywarden/src/stores/sql/index.js'
import { cli, cliInProcess } from './cli-harness.js'

const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-keys-'))
const env = { KEYWARDEN_DATABASE_URL: `sqlite:${join(cwd, 'keys.db')}`, KEYWARDEN_PREFIX: 'acme' }
const run = (args: string[], input?: string) =>
  cli(args, { cwd, env, ...(input !== undefined ? { input } : {}) })
// Variants of what a spawned call already proved at the process boundary run in-process (same run()).
const local = (args: string[], input?: string) => cliInProcess(args, env, input)

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('keywarden migrate / keys * on a temp sqlite database', () => {
  it('migrates once, then is up to date; --print-sql prints DDL for the URL’s or the named dialect', async () => {
    const first = await run(['migrate', '--json'])
    expect(first.code).toBe(0)
    expect(first.json()).toEqual({
      applied: SQL_MIGRATIONS.map((m) => ({ name: m.name, status: 'Success' })),
    })
    const [again, human, sql, pg, stray] = await Promise.all([
      run(['migrate', '--json']),
      local(['migrate']),
      run(['migrate', '--print-sql']),
      local(['migrate', '--print-sql', '--dialect', 'postgres', '--json']),
      local(['migrate', '--dialect', 'mysql']),
    ])
    expect([again.code, again.json()]).toEqual([0, { applied: [] }])
    expect([human.code, human.stdout]).toEqual([0, 'The database is up to date.\n'])
    expect(sql.code).toBe(0)
    expect(sql.stdout).toMatch(/create table "keywarden_keys"/i)
    expect(pg.json()).toMatchObject({ dialect: 'postgres', sql: expect.stringMatching(/create table/i) })
    expect(stray.code).toBe(2)
  })

  it('create prints the key once; list, show and verify never print it; exit codes hold', async () => {
    const created = await run([
      'keys',
      'create',
      '--name',
      'billing worker',
      '--owner',
      'team-7',
      '--scopes',
      'invoices:read,invoices:write',
      '--expires',
      '30d',
      '--metadata',
      '{"env":"prod"}',
      '--json',
    ])
    expect(created.code).toBe(0)
    const { key, record } = created.json()
    expect(key).toMatch(/^acme_[0-9A-Za-z]{49}$/)
    expect(record).toMatchObject({
      name: 'billing worker',
      ownerId: 'team-7',
      scopes: ['invoices:read', 'invoices:write'],
      metadata: { env: 'prod' },
      revokedAt: null,
    })
    const lifetime = Date.parse(record.expiresAt) - Date.parse(record.createdAt)
    expect(Math.abs(lifetime - 30 * 86_400_000)).toBeLessThan(60_000) // "30d" from the CLI's clock
    expect(created.stdout).not.toContain('hash')

    const human = await run(['keys', 'create', '--name', 'plain'])
    expect(human.code).toBe(0)
    const plainKey = human.stdout.trim()
    expect(plainKey).toMatch(/^acme_/)
    expect(human.stdout).toBe(`${plainKey}\n`) // only the key on stdout: KEY=$(keywarden keys create …)
    expect(human.stderr).toMatch(/shown once/)

    const [list, show, listHuman, valid, scoped, wrongScope, garbage, missing, anyScope] = await Promise.all([
      run(['keys', 'list', '--json']),
      run(['keys', 'show', record.id, '--json']),
      local(['keys', 'list', '--owner', 'team-7']),
      run(['keys', 'verify', '--json'], key),
      local(['keys', 'verify', '-', '--scopes', 'invoices:read', '--json'], `${key}\n`),
      run(['keys', 'verify', '--scopes', 'admin:all', '--json'], key),
      run(['keys', 'verify', 'acme_not-a-key', '--json']),
      run(['keys', 'show', 'key_doesnotexist', '--json']),
      local(['keys', 'verify', '--any', '--scopes', 'admin:all', '--scopes', 'invoices:write'], key),
    ])
    expect([list.code, list.stderr]).toEqual([0, ''])
    expect(list.json().items.map((k: { name: string }) => k.name)).toEqual(['plain', 'billing worker'])
    expect(list.json().nextCursor).toBeNull()
    expect(show.json().key).toMatchObject({ id: record.id, start: record.start })
    expect(listHuman.stdout).toMatch(/billing worker/)
    expect(listHuman.stdout).not.toMatch(/plain/)
    expect([valid.code, valid.json()]).toMatchObject([0, { valid: true, key: { id: record.id } }])
    expect([scoped.code, scoped.json().valid]).toEqual([0, true])
    expect([wrongScope.code, wrongScope.json()]).toMatchObject([
      1,
      { valid: false, code: 'INSUFFICIENT_SCOPES', missingScopes: ['admin:all'] },
    ])
    expect([garbage.code, garbage.json()]).toEqual([1, { valid: false, code: 'MALFORMED' }])
    expect([missing.code, missing.json().error.code]).toEqual([1, 'ERR_NOT_FOUND'])
    expect([anyScope.code, anyScope.stdout, anyScope.stderr]).toEqual([
      0,
      `valid: ${record.id} ("billing worker")\n`,
      '',
    ])
    const page = (await local(['keys', 'list', '--limit', '1', '--json'])).json()
    expect(page.items.map((k: { name: string }) => k.name)).toEqual(['plain'])
    const rest = (await local(['keys', 'list', '--limit', '1', '--cursor', page.nextCursor, '--json'])).json()
    expect([rest.items.map((k: { name: string }) => k.name), rest.nextCursor]).toEqual([
      ['billing worker'],
      null,
    ])
    const all = (await local(['keys', 'list', '--limit', '1', '--all', '--json'])).json()
    expect(all.items).toHaveLength(2)
    for (const r of [list, show, listHuman, valid, scoped, wrongScope, missing, anyScope]) {
      expect(r.stdout + r.stderr).not.toContain(key)
      expect(r.stdout + r.stderr).not.toContain(plainKey)
    }
  })

  it('roll, revoke and delete do what they say, with --json and exit codes', async () => {
    const { key, record } = (
      await run(['keys', 'create', '--name', 'to roll', '--scopes', 'a:b', '--json'])
    ).json()
    const rolled = await run(['keys', 'roll', record.id, '--expire-old-in', '1h', '--json'])
    expect(rolled.code).toBe(0)
    const next = rolled.json()
    expect(next.key).toMatch(/^acme_/)
    expect(next.key).not.toBe(key)
    expect(next.record).toMatchObject({ name: 'to roll', scopes: ['a:b'] })
    expect(Date.parse(next.previous.expiresAt) - Date.parse(next.record.createdAt)).toBe(3_600_000)

    const [oldStill, fresh] = await Promise.all([
      run(['keys', 'verify', '--json'], key),
      run(['keys', 'verify', '--json'], next.key),
    ])
    const revoked = await run(['keys', 'revoke', next.record.id, '--json'])
    expect(oldStill.code).toBe(0) // still inside its hour of grace
    expect(fresh.code).toBe(0)
    expect([revoked.code, typeof revoked.json().key.revokedAt]).toEqual([0, 'string'])
    expect(revoked.stdout).not.toContain(next.key)

    const [afterRevoke, noYes, rollRevoked] = await Promise.all([
      run(['keys', 'verify', '--json'], next.key),
      local(['keys', 'delete', record.id]),
      local(['keys', 'roll', next.record.id]),
    ])
    expect([afterRevoke.code, afterRevoke.json().code]).toEqual([1, 'REVOKED'])
    expect(noYes.code).toBe(2)
    expect(noYes.stderr).toMatch(/--yes/)
    expect(rollRevoked.code).toBe(2) // a ValidationError: rolling a revoked key
    const deleted = await run(['keys', 'delete', record.id, '--yes', '--json'])
    expect([deleted.code, deleted.json()]).toEqual([0, { deleted: record.id }])
    const [gone, again] = await Promise.all([
      local(['keys', 'show', record.id]),
      local(['keys', 'delete', record.id, '--yes', '--json']),
    ])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/no key has id/)
    expect([again.code, again.json().error.code]).toEqual([1, 'ERR_NOT_FOUND'])
  })

  it('maps every kind of usage error to exit code 2 and --help/--version to 0', async () => {
    // The process boundary: the exit code run() computes is the process's exit code.
    const spawned = await Promise.all([run([]), run(['bogus']), run(['--version'])])
    expect(spawned.map((r) => r.code)).toEqual([2, 2, 0])
    expect(spawned[1]?.stderr).toMatch(/unknown command 'bogus'/)
    expect(spawned[2]?.stdout).toBe('0.1.0\n')
    // The rest in-process (same run() as the binary) to keep the suite fast.
    const usage = [
      ['keys'],
      ['keys', 'create'],
      ['keys', 'create', '--name', 'x', '--expires', 'tomorrow'],
      ['keys', 'create', '--name', 'x', '--scopes', 'not a scope'],
      ['keys', 'create', '--name', 'x', '--metadata', '[1]'],
      ['keys', 'list', '--limit', '0'],
      ['keys', 'list', '--frobnicate'],
      ['keys', 'show'],
      ['keys', 'show', 'a', 'b'],
      ['keys', 'roll', 'x', '--expire-old-in', 'soon'],
      ['import', 'litestar'],
      ['vault', 'rotate', '--page-size', '-1'],
      ['migrate', '--print-sql', '--dialect', 'oracle'],
    ]
    for (const args of usage) {
      const r = await cliInProcess(args, env)
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' })
    }
    const help = await cliInProcess(['keys', 'create', '--help'], env)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--scopes/)
    const badConfig = await cliInProcess(['keys', 'list', '--json'], { KEYWARDEN_DATABASE_URL: 'ftp://nope' })
    expect(badConfig.code).toBe(1)
    expect(badConfig.json()).toEqual({
      error: { code: 'ERR_CONFIG', message: expect.stringMatching(/KEYWARDEN_DATABASE_URL must start with/) },
    })
  })
})
