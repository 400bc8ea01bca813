import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import pg from 'pg'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from '../test/support/services.js'
import { compare } from './harness.js'

// Verify through createKeywarden (no cache, last-used flush far away) against the floor every
// verification pays at least: SHA-256 hex of the key + one raw indexed SELECT by hash through the
// same driver (better-sqlite3 prepared statement; pg pool query), same keys, same pool size.
//
// SQLite is measured twice against the same floor: the store opened from a URL (its hot read is a
// raw driver call, a better-sqlite3 prepared statement read as an array) and the store over a
// Kysely of the same driver (`{ db }`: the same query, precompiled, through Kysely). The second line
// is context: what the speed trick is worth on the budgeted figure (docs/benchmarks.md, Speed
// tricks). PostgreSQL reads through Kysely: a named pg statement past it measured no gain.
const sha = (key: string) => createHash('sha256').update(key).digest('hex')
const COUNT = 1000

async function seed(store: ReturnType<typeof sqlStore>) {
  const warden = createKeywarden({ store, prefix: 'bench', lastUsed: { flushIntervalMs: 3_600_000 } })
  const keys: string[] = []
  for (let i = 0; i < COUNT; i++)
    keys.push((await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)
  return { warden, keys }
}

/** A warden over the same tables, reading through Kysely instead of the raw driver. */
function throughKysely(db: Kysely<any>) {
  return createKeywarden({
    store: sqlStore({ db }),
    prefix: 'bench',
    lastUsed: { flushIntervalMs: 3_600_000 },
  })
}

async function verifyBoth(
  label: string,
  floorName: string,
  floor: () => unknown,
  raw: ReturnType<typeof createKeywarden>,
  kysely: ReturnType<typeof createKeywarden>,
  keys: string[],
) {
  let i = 0
  const withTrick = await compare({
    name: `verify() on sqlStore ${label}`,
    subject: () => raw.keys.verify(keys[i++ % COUNT]),
    floorName,
    floor,
    maxRatio: 1.2,
  })
  let j = 0
  const without = await compare({
    name: `verify() on sqlStore ${label} through Kysely ({ db }, no raw driver call; context)`,
    subject: () => kysely.keys.verify(keys[j++ % COUNT]),
    floorName,
    floor,
    maxRatio: Number.POSITIVE_INFINITY,
  })
  // The two, interleaved in one comparison: the least noisy reading of the gain.
  let k = 0
  let m = 0
  const direct = await compare({
    name: `verify() on sqlStore ${label}, raw driver call vs through Kysely (context)`,
    subject: () => raw.keys.verify(keys[k++ % COUNT]),
    floorName: 'the same through Kysely',
    floor: () => kysely.keys.verify(keys[m++ % COUNT]),
    maxRatio: Number.POSITIVE_INFINITY,
  })
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  console.log(
    `info raw driver call on ${label}: budget figure ${withTrick.ratio.toFixed(3)} with, ${without.ratio.toFixed(3)} without (gain ${pct(1 - withTrick.ratio / without.ratio)}); interleaved gain ${pct(1 - direct.ratio)}`,
  )
}

{
  const file = join(tmpdir(), `${uniqueName('kwbench')}.db`)
  const { warden, keys } = await seed(sqlStore({ url: `sqlite:${file}` }))
  const raw = new Database(file)
  const select = raw.prepare('select * from keywarden_keys where hash = ?')
  const viaKysely = new Database(file)
  viaKysely.pragma('busy_timeout = 10000')
  const kysely = throughKysely(new Kysely({ dialect: new SqliteDialect({ database: viaKysely }) }))
  let j = 0
  await verifyBoth(
    'sqlite (file, WAL)',
    'SHA-256 + better-sqlite3 prepared SELECT by hash',
    () => select.get(sha(keys[j++ % COUNT] as string)),
    warden,
    kysely,
    keys,
  )
  raw.close()
  await kysely.close()
  viaKysely.close()
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
