import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeywarden, type KeyStore, type Keywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { uniqueName } from '../test/support/services.js'
import { compare, recordComparison } from './harness.js'

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

// The memory store: each side alone in its own process (bench/usage-side/side.ts), five runs each,
// alternating; the median of each side's medians. In one process the two wardens share the verify
// code and its call sites, which spread the ratio ±0.13 with an empty observer (docs/benchmarks.md).
function side(which: 'counted' | 'plain'): number {
  const out = execFileSync(
    process.execPath,
    [
      '--conditions=keywarden-source',
      '--import',
      'tsx',
      join(import.meta.dirname, 'usage-side', 'side.ts'),
      which,
    ],
    { encoding: 'utf8' },
  )
  return (JSON.parse(out.trim().split('\n').pop() as string) as { ns: number }).ns
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number
const sides = { counted: [] as number[], plain: [] as number[] }
for (let run = 0; run < 5; run++) {
  sides.plain.push(side('plain'))
  sides.counted.push(side('counted'))
}
recordComparison({
  name: 'verify() with usage counting on memoryStore (one warden per process)',
  floorName: 'the same verify with usage: false',
  subjectNs: median(sides.counted),
  floorNs: median(sides.plain),
  maxRatio: 1.1,
})
// The same pair in one process, for comparison with earlier figures (context, no budget).
const memory = await pair(memoryStore())
await compare({
  name: 'verify() with usage counting on memoryStore, both wardens in one process',
  subject: () => memory.counted.keys.verify(memory.keys[0] as string),
  floorName: 'the same verify with usage: false',
  floor: () => memory.plain.keys.verify(memory.keys[0] as string),
  maxRatio: Number.POSITIVE_INFINITY,
  clock: 'cpu',
})
await memory.counted.close()

const file = join(tmpdir(), `${uniqueName('kwbench')}.db`)
const sqlite = await pair(sqlStore({ url: `sqlite:${file}` }))
try {
  await bench('sqlStore sqlite (file, WAL)', sqlite, 'cpu')
} finally {
  await sqlite.counted.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
}
