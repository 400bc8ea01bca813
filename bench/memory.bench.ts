import { hash } from 'node:crypto'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { isWellFormedKey } from '../packages/keywarden/src/keys/format.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { compare } from './harness.js'

// 1,000 keys; verify cycles through them so no single key's cache line flatters either side.
const store = memoryStore()
const warden = createKeywarden({ store, prefix: 'bench', lastUsed: { flushIntervalMs: 60_000 } })
const keys: string[] = []
for (let i = 0; i < 1000; i++)
  keys.push((await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)

// The floor: what any verification must do at least, SHA-256 hex + Map.get of the same keys,
// with the same one-shot crypto.hash the engine uses.
const floorMap = new Map<string, { id: string }>()
for (const key of keys) floorMap.set(hash('sha256', key, 'hex'), { id: key.slice(0, 8) })
const floor = (key: string) => floorMap.get(hash('sha256', key, 'hex'))

let i = 0
let j = 0
await compare({
  name: 'verify() on memoryStore',
  subject: () => warden.keys.verify(keys[i++ % 1000]),
  floorName: 'SHA-256 hex + Map.get',
  floor: () => floor(keys[j++ % 1000] as string),
  maxRatio: 1.3,
})

// Context for the figure above (no budget of their own): the same floor behind a promise, as
// verify's async API must be, and the checksum check every key passes before it is hashed.
await compare({
  name: 'verify() on memoryStore vs the floor behind a promise (context)',
  subject: () => warden.keys.verify(keys[i++ % 1000]),
  floorName: 'async (SHA-256 hex + Map.get)',
  floor: async () => floor(keys[j++ % 1000] as string),
  maxRatio: Number.POSITIVE_INFINITY,
})
await compare({
  name: 'checksum check alone (context)',
  subject: () => isWellFormedKey(keys[i++ % 1000], 'bench'),
  floorName: 'SHA-256 hex + Map.get',
  floor: () => floor(keys[j++ % 1000] as string),
  maxRatio: Number.POSITIVE_INFINITY,
})
await warden.close()
