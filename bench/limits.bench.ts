import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createKeywarden, type Keywarden } from '../packages/keywarden/src/index.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'
import { compare } from './harness.js'

// What usage limits cost per verification: verify of keys with one rate limit and credits vs
// verify of keys without limits, on the same store in the same run. On Redis the limited path is
// one EVALSHA (the record read, the checks' copy compared and the limits and credits spent in one
// script: consume-by-hash.ts), the unlimited one one GET: budget 1.3x. On SQLite it is the read
// plus one BEGIN IMMEDIATE transaction: no budget, the ratio is recorded in docs/benchmarks.md.
const KEYS = 200
// Enough credits and a limit high enough that nothing is ever refused during the run.
const LIMITED = {
  remaining: 1e14,
  rateLimits: [{ name: 'per-minute', limit: 1_000_000_000, windowMs: 60_000 }],
}

async function keysOn(warden: Keywarden): Promise<{ limited: string[]; plain: string[] }> {
  const limited: string[] = []
  const plain: string[] = []
  for (let i = 0; i < KEYS; i++) {
    limited.push((await warden.keys.create({ name: `limited ${i}`, ...LIMITED })).key)
    plain.push((await warden.keys.create({ name: `plain ${i}` })).key)
  }
  return { limited, plain }
}

async function limitsVersusPlain(label: string, store: KeyStore, maxRatio: number): Promise<void> {
  const warden = createKeywarden({ store, prefix: 'bench', lastUsed: false })
  const { limited, plain } = await keysOn(warden)
  let i = 0
  let j = 0
  await compare({
    name: `a limited verification on ${label} vs an unlimited one (one rate limit + credits)`,
    subject: () => warden.keys.verify(limited[i++ % KEYS]),
    floorName: `verify() without limits, same ${label} store`,
    floor: () => warden.keys.verify(plain[j++ % KEYS]),
    maxRatio,
  })
  // Sanity: the limited keys really spent credits (the subject was not a no-op).
  const spent = await warden.keys.verify(limited[0], { cost: 0 })
  if (!spent.valid || (spent.remaining ?? LIMITED.remaining) >= LIMITED.remaining) {
    throw new Error('the limited verifications did not spend credits')
  }
}

const url = process.env.KEYWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
await client.connect()
const namespace = `kwbench_${randomBytes(5).toString('hex')}`
try {
  await limitsVersusPlain('redisStore', redisStore({ client, namespace }), 1.3)
} finally {
  let cursor = '0'
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000)
    cursor = next
    if (found.length > 0) await client.del(...found)
  } while (cursor !== '0')
  await client.quit()
}

const file = join(tmpdir(), `kwbench_${randomBytes(5).toString('hex')}.db`)
const sqlite = sqlStore({ url: `sqlite:${file}` })
try {
  await limitsVersusPlain('sqlStore (sqlite file)', sqlite, Number.POSITIVE_INFINITY)
} finally {
  await sqlite.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
}
