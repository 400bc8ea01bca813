// One side of the memory-store usage comparison, alone in its process (as an app runs one warden):
// 1,000 keys, warm-up, then 15 blocks of 200,000 verifications timed by this process's CPU time.
// Prints the median ns per verification. argv[2]: 'counted' (usage on, the default) or 'plain'.
import { createKeywarden } from '../../packages/keywarden/src/index.js'
import { memoryStore } from '../../packages/keywarden/src/stores/memory.js'

const counted = process.argv[2] === 'counted'
const warden = createKeywarden({
  store: memoryStore(),
  prefix: 'bench',
  lastUsed: { flushIntervalMs: 3_600_000 },
  ...(counted ? {} : { usage: false }),
})
const keys: string[] = []
for (let i = 0; i < 1000; i++) keys.push((await warden.keys.create({ name: `k${i}` })).key)
const BLOCK = 200_000
const block = async () => {
  const before = process.cpuUsage()
  for (let i = 0; i < BLOCK; i++) await warden.keys.verify(keys[i % 1000])
  const used = process.cpuUsage(before)
  return ((used.user + used.system) * 1000) / BLOCK
}
for (let i = 0; i < 3; i++) await block()
const times: number[] = []
for (let i = 0; i < 15; i++) times.push(await block())
times.sort((a, b) => a - b)
console.log(JSON.stringify({ ns: times[times.length >> 1] }))
await warden.close()
