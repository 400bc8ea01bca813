/** keywarden usage / audit, and the CLI's actor in the audit log (#14), on a temp SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { usageChart } from '../packages/server/src/cli/chart.js'
import { cli, cliInProcess } from './cli-harness.js'

const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-reports-'))
const env = { KEYWARDEN_DATABASE_URL: `sqlite:${join(cwd, 'audit.db')}`, KEYWARDEN_PREFIX: 'acme' }
const local = (args: string[]) => cliInProcess(args, env)

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('keywarden audit and usage', () => {
  it('CLI changes appear in the audit log with the cli actor (the OS user), never a key', async () => {
    const created = await cli(['keys', 'create', '--name', 'ci', '--json'], { cwd, env })
    expect(created.code).toBe(0)
    const { key, record } = created.json()
    const rolled = (await local(['keys', 'roll', record.id, '--json'])).json()
    expect((await local(['keys', 'revoke', rolled.record.id, '--json'])).code).toBe(0)

    const audit = await cli(['audit', '--json'], { cwd, env })
    expect(audit.code).toBe(0)
    const items = audit.json().items as Array<Record<string, any>>
    expect(items.map((e) => e.action)).toEqual(['key.revoked', 'key.rolled', 'key.created'])
    for (const entry of items) expect(entry.actor).toEqual({ type: 'cli', id: userInfo().username })
    expect(audit.stdout).not.toContain(key)
    expect(audit.stdout).not.toContain(rolled.key)

    const filtered = (await local(['audit', '--action', 'key.created', '--json'])).json()
    expect(filtered.items.map((e: any) => e.target.id)).toEqual([record.id])
    expect((await local(['audit', '--target', record.id, '--json'])).json().items.length).toBe(2)
    expect((await local(['audit', '--since', '24h', '--limit', '1', '--json'])).json().items).toHaveLength(1)
    expect((await local(['audit', '--since', '2020-01-01', '--json'])).json().items).toHaveLength(3)

    const human = await local(['audit'])
    expect(human.stdout).toMatch(/ACTION/)
    expect(human.stdout).toContain('key.rolled')
    expect(human.stdout).toContain(`cli ${userInfo().username}`)
    expect((await local(['audit', '--action', 'key.exploded'])).code).toBe(2)
    expect((await local(['audit', '--since', 'yesterday'])).code).toBe(2)
  })

  it('usage <id> checks its options and the id, and charts what verifications counted', async () => {
    const created = (await local(['keys', 'create', '--name', 'charted', '--json'])).json()
    // Verifications by an app on the same database: counted, flushed when the warden closes.
    const app = createKeywarden({ store: sqlStore({ url: env.KEYWARDEN_DATABASE_URL }), prefix: 'acme' })
    for (let i = 0; i < 3; i++) expect((await app.keys.verify(created.key)).valid).toBe(true)
    await app.keys.revoke(created.record.id)
    expect((await app.keys.verify(created.key)).valid).toBe(false)
    await app.close()
    expect((await local(['usage', created.record.id, '--since', '1y'])).code).toBe(2)
    expect((await local(['usage', created.record.id, '--granularity', 'week'])).code).toBe(2)
    const missing = await local(['usage', 'key_missing'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no key has id')
    const got = await local(['usage', created.record.id, '--json'])
    expect(got.code).toBe(0)
    expect(got.json().buckets).toHaveLength(24)
    expect(got.json().totals).toEqual({ valid: 3, invalid: { REVOKED: 1 }, spent: 3 })
    const chart = await local(['usage', created.record.id])
    expect(chart.stdout).toContain('Total: valid 3, REVOKED 1, credits spent 3')
  })

  it('draws unicode bars on a terminal, ASCII otherwise, with totals by outcome', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 11, 1, h))
    const buckets = [
      { at: at(0), valid: 8, invalid: { REVOKED: 2 }, spent: 0 },
      { at: at(1), valid: 0, invalid: {}, spent: 0 },
      { at: at(2), valid: 3, invalid: { RATE_LIMITED: 1 }, spent: 4 },
    ]
    const unicode = usageChart(buckets, 'hour', true)
    expect(unicode).toContain('2026-12-01 00:00  10 ████████████████████████████████████████')
    expect(unicode).toContain('2026-12-01 01:00   0 \n')
    expect(unicode).toMatch(/2026-12-01 02:00 {3}4 █{16}\n/)
    expect(unicode).toContain('Total: valid 11, RATE_LIMITED 1, REVOKED 2, credits spent 4')
    const ascii = usageChart(buckets, 'day', false)
    expect(ascii).toContain('2026-12-01  10 ########################################')
    expect(ascii).not.toMatch(/[█▏▎▍▌▋▊▉]/)
  })
})
