import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { adminDb, type EngineName, freshPlace, type Place, tablesWithPrefix } from './sql-procs/engines.js'
import { serviceSkip } from './support/services.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./sql-procs/child.ts', import.meta.url))

async function spawn(place: Place, mode: string, extra = ''): Promise<any> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', child, mode, place.url, JSON.stringify(place.options), extra],
    { timeout: 60_000 },
  )
  return JSON.parse(stdout)
}

async function tableNames(engine: EngineName, place: Place): Promise<string[]> {
  if (engine === 'sqlite-file') {
    const db = new Database(place.url.slice('sqlite:'.length), { readonly: true })
    const rows = db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all() as Array<{
      name: string
    }>
    db.close()
    return rows.map((r) => r.name)
  }
  return tablesWithPrefix(engine as 'postgres' | 'mysql', place)
}

async function migrationRows(engine: EngineName, place: Place): Promise<string[]> {
  const table = `${place.options.tablePrefix}migrations`
  if (engine === 'sqlite-file') {
    const db = new Database(place.url.slice('sqlite:'.length), { readonly: true })
    const rows = db.prepare(`select name from "${table}"`).all() as Array<{ name: string }>
    db.close()
    return rows.map((r) => r.name)
  }
  const db = adminDb(engine as 'postgres' | 'mysql')
  const qualified = place.options.schema ? `${place.options.schema}.${table}` : table
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(qualified)}`.execute(db)
  await db.destroy()
  return rows.map((r) => r.name)
}

for (const engine of ['sqlite-file', 'postgres', 'mysql'] as const) {
  const places: Place[] = []
  const fresh = () => {
    const place = freshPlace(engine, 'kwproc')
    places.push(place)
    return place
  }
  const skip = engine === 'sqlite-file' ? false : await serviceSkip(engine)
  if (skip) console.warn(`[keywarden] skipping sql processes on ${engine}: ${skip}`)

  describe.skipIf(skip)(`sqlStore across processes: ${engine}`, () => {
    afterAll(async () => {
      for (const place of places) await place.cleanup()
    })

    it('two processes starting together on an empty database both migrate it, once', async () => {
      const place = fresh()
      const startAt = Date.now() + 1500
      const results = await Promise.all([
        spawn(place, 'migrate', String(startAt)),
        spawn(place, 'migrate', String(startAt)),
      ])
      expect(results).toEqual([{ found: null }, { found: null }])
      const prefix = place.options.tablePrefix as string
      expect(await tableNames(engine, place)).toEqual(
        [
          'audit',
          'keys',
          'migrations',
          'migrations_lock',
          'notices',
          'rate_windows',
          'secrets',
          'usage',
          'webhook_attempts',
          'webhook_deliveries',
          'webhooks',
        ].map((t) => prefix + t),
      )
      expect((await migrationRows(engine, place)).sort()).toEqual([
        '0001_keys_and_secrets',
        '0002_rate_windows',
        '0003_limit_groups',
        '0004_usage',
        '0005_audit',
        '0006_webhooks',
        '0007_notices',
      ])
    })

    it('a key created in one process verifies in another', async () => {
      const place = fresh()
      const created = await spawn(place, 'create')
      expect(created.key).toMatch(/^proc_/)
      const verified = await spawn(place, 'verify', created.key)
      expect(verified).toEqual({ valid: true, id: created.id, name: 'from another process 🔑' })
      const wrong = await spawn(place, 'verify', `${created.key.slice(0, -8)}AAAAAAAA`)
      expect(wrong.valid).toBe(false)
    })
  })
}
