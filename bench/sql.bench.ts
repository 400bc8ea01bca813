import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from '../test/support/services.js'
import { compare } from './harness.js'

// Verify through createKeywarden (no cache, last-used flush far away) against the floor every
// verification pays at least: SHA-256 hex of the key + one raw indexed SELECT by hash through the
// same driver (better-sqlite3 prepared statement; pg pool query), same keys, same pool size.
const sha = (key: string) => createHash('sha256').update(key).digest('hex')
const COUNT = 1000

async function seed(store: ReturnType<typeof sqlStore>) {
  const warden = createKeywarden({ store, prefix: 'bench', lastUsed: { flushIntervalMs: 3_600_000 } })
  const keys: string[] = []
  for (let i = 0; i < COUNT; i++)
    keys.push((await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)
  return { warden, keys }
}

{
  const file = join(tmpdir(), `${uniqueName('kwbench')}.db`)
  const { warden, keys } = await seed(sqlStore({ url: `sqlite:${file}` }))
  const raw = new Database(file)
  const select = raw.prepare('select * from keywarden_keys where hash = ?')
  let i = 0
  let j = 0
  await compare({
    name: 'verify() on sqlStore sqlite (file, WAL)',
    subject: () => warden.keys.verify(keys[i++ % COUNT]),
    floorName: 'SHA-256 + better-sqlite3 prepared SELECT by hash',
    floor: () => select.get(sha(keys[j++ % COUNT] as string)),
    maxRatio: 1.2,
  })
  raw.close()
  await warden.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
}

const skip = await serviceSkip('postgres')
if (skip) console.log(`skipped postgres: ${skip}`)
else {
  const schema = uniqueName('kwbench')
  const { warden, keys } = await seed(sqlStore({ url: POSTGRES_URL, poolSize: 10 }, { schema }))
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 })
  const text = `select * from "${schema}"."keywarden_keys" where hash = $1`
  let i = 0
  let j = 0
  await compare({
    name: 'verify() on sqlStore postgres',
    subject: () => warden.keys.verify(keys[i++ % COUNT]),
    floorName: 'SHA-256 + pg pool SELECT by hash',
    floor: () => pool.query(text, [sha(keys[j++ % COUNT] as string)]),
    maxRatio: 1.2,
  })
  await warden.close()
  await pool.query(`drop schema "${schema}" cascade`)
  await pool.end()
}
