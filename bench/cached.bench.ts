import { createKeywarden } from '../packages/keywarden/src/index.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { compare, VERIFY_FLOOR_NAME, verifyFloor } from './harness.js'

// 1,000 keys through cachedStore, every one already in the warm in-process tier.
const store = cachedStore({ primary: memoryStore(), ttlMs: 3_600_000 })
const warden = createKeywarden({ store, prefix: 'bench', lastUsed: { flushIntervalMs: 60_000 } })
const keys: string[] = []
for (let i = 0; i < 1000; i++)
  keys.push((await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)
for (const key of keys) await warden.keys.verify(key)
const floor = verifyFloor(keys, 'bench')

const bare = createKeywarden({ store: memoryStore(), prefix: 'bench', lastUsed: { flushIntervalMs: 60_000 } })
const bareKeys: string[] = []
for (let i = 0; i < 1000; i++)
  bareKeys.push((await bare.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)

let i = 0
let j = 0
await compare({
  name: 'verify() through cachedStore, warm local tier',
  subject: () => warden.keys.verify(keys[i++ % 1000]),
  floorName: VERIFY_FLOOR_NAME,
  floor: () => floor(keys[j++ % 1000] as string),
  maxRatio: 1.5,
  clock: 'cpu',
})
// Context (no budget): the same engine on a bare memoryStore, to separate the cache's cost from
// the engine's.
await compare({
  name: 'verify() through cachedStore vs on a bare memoryStore (context)',
  subject: () => warden.keys.verify(keys[i++ % 1000]),
  floorName: 'verify() on memoryStore',
  floor: () => bare.keys.verify(bareKeys[j++ % 1000]),
  maxRatio: Number.POSITIVE_INFINITY,
  clock: 'cpu',
})
await warden.close()
await bare.close()
