import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeywarden, type KeyStore, type Keywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { uniqueName } from '../test/support/services.js'
import { compare } from './harness.js'

// Usage counting (default on) against the same verification with `usage: false`: two wardens over
// one store and the same 1,000 keys, flushing usage every 5 s (the default) while measured, so
// the batched writes are part of the figure. Budget: <= 1.1x, on the memory store and on SQLite.
const COUNT = 1000

async function pair(store: KeyStore) {
  const lastUsed = { flushIntervalMs: 3_600_000 }
  const counted = createKeywarden({ store, prefix: 'bench', lastUsed })
  const plain = createKeywarden({ store, prefix: 'bench', lastUsed, usage: false })
  const keys: string[] = []
  for (let i = 0; i < COUNT; i++) keys.push((await plain.keys.create({ name: `k${i}` })).key)
  return { counted, plain, keys }
}

async function bench(
  label: string,
  wardens: { counted: Keywarden; plain: Keywarden; keys: string[] },
  clock: 'cpu' | 'wall',
) {
  const { counted, plain, keys } = wardens
  let i = 0
  let j = 0
  await compare({
    name: `verify() with usage counting on ${label}`,
    subject: () => counted.keys.verify(keys[i++ % COUNT]),
    floorName: 'the same verify with usage: false',
    floor: () => plain.keys.verify(keys[j++ % COUNT]),
    maxRatio: 1.1,
    clock,
  })
  await counted.flush()
}

const memory = await pair(memoryStore())
await bench('memoryStore', memory, 'cpu')
await memory.counted.close()

const file = join(tmpdir(), `${uniqueName('kwbench')}.db`)
const sqlite = await pair(sqlStore({ url: `sqlite:${file}` }))
try {
  await bench('sqlStore sqlite (file, WAL)', sqlite, 'cpu')
} finally {
  await sqlite.counted.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
}
