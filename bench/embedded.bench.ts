// The server's embedded default (SQLite file, no Redis, as openServerStores opens it): a warm
// verification must cost what cachedStore's warm local tier costs; the data_version poll runs on a
// timer, never per verification.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { openServerStores } from '../packages/server/src/stores.js'
import { compare } from './harness.js'

const KEYS = 1000
const dir = mkdtempSync(join(tmpdir(), 'kw-bench-embedded-'))
const file = join(dir, 'keywarden.db')
const lastUsed = { flushIntervalMs: 60_000 }

async function warmWarden(store: Parameters<typeof createKeywarden>[0]['store']) {
  const warden = createKeywarden({ store, prefix: 'bench', lastUsed })
  const keys: string[] = []
  for (let i = 0; i < KEYS; i++) keys.push((await warden.keys.create({ name: `k${i}` })).key)
  for (const key of keys) await warden.keys.verify(key)
  // Past the watcher's first read, which drops what was cached before it.
  await new Promise((resolve) => setTimeout(resolve, 100))
  for (const key of keys) await warden.keys.verify(key)
  return { warden, keys }
}

const stores = await openServerStores({
  databaseUrl: `sqlite:${file}`,
  tablePrefix: null,
  redisUrl: null,
  redisNamespace: null,
  cacheTtlMs: 3_600_000,
})
const embedded = await warmWarden(stores.keys)
const local = await warmWarden(cachedStore({ primary: memoryStore(), ttlMs: 3_600_000 }))
const bare = await warmWarden(sqlStore({ url: `sqlite:${join(dir, 'bare.db')}` }))

let i = 0
let j = 0
await compare({
  name: "verify() on the server's embedded default (SQLite, data_version watch), warm",
  subject: () => embedded.warden.keys.verify(embedded.keys[i++ % KEYS]),
  floorName: 'verify() through cachedStore over memoryStore, warm',
  floor: () => local.warden.keys.verify(local.keys[j++ % KEYS]),
  maxRatio: 1.3,
})
// Context (no budget): what the embedded default did before, a SQLite read per verification.
await compare({
  name: "verify() on the server's embedded default vs a bare sqlStore (context)",
  subject: () => embedded.warden.keys.verify(embedded.keys[i++ % KEYS]),
  floorName: 'verify() on sqlStore (SQLite file)',
  floor: () => bare.warden.keys.verify(bare.keys[j++ % KEYS]),
  maxRatio: Number.POSITIVE_INFINITY,
})
await Promise.all([embedded.warden.close(), local.warden.close(), bare.warden.close()])
await stores.closeRest()
rmSync(dir, { recursive: true, force: true })
