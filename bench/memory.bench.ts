import { hash } from 'node:crypto'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { compare, VERIFY_FLOOR_NAME, verifyFloor } from './harness.js'

// 1,000 keys; verify cycles through them so no single key's cache line flatters either side.
const store = memoryStore()
const warden = createKeywarden({ store, prefix: 'bench', lastUsed: { flushIntervalMs: 60_000 } })
const keys: string[] = []
for (let i = 0; i < 1000; i++)
  keys.push((await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)
const floor = verifyFloor(keys, 'bench')

let i = 0
let j = 0
await compare({
  name: 'verify() on memoryStore',
  subject: () => warden.keys.verify(keys[i++ % 1000]),
  floorName: VERIFY_FLOOR_NAME,
  floor: () => floor(keys[j++ % 1000] as string),
  maxRatio: 1.5,
  clock: 'cpu',
})

// Context (no budget): the synchronous SHA-256 hex + Map.get the old budget was held against, to
// show what the promise and the checksum cost on this machine.
const syncMap = new Map<string, { id: string }>()
for (const key of keys) syncMap.set(hash('sha256', key, 'hex'), { id: key.slice(0, 8) })
await compare({
  name: 'the floor vs SHA-256 hex + Map.get without promise or checksum (context)',
  subject: () => floor(keys[i++ % 1000] as string),
  floorName: 'SHA-256 hex + Map.get',
  floor: () => syncMap.get(hash('sha256', keys[j++ % 1000] as string, 'hex')),
  maxRatio: Number.POSITIVE_INFINITY,
  clock: 'cpu',
})
await warden.close()
