// A separate process for the limits tests: it opens the shared store and verifies one key.
//   node --import tsx test/limits-procs/child.ts spend <specJson> <key> <count>
//   node --import tsx test/limits-procs/child.ts hammer <specJson> <key> <durationMs> <workers>
//   node --import tsx test/limits-procs/child.ts count <specJson> <key> <count> <workers>
// Once connected it prints "ready" and waits for a line "go <startAt>" on stdin, so both processes
// start together however long each took to boot. Then it prints one JSON line: how many
// verifications were valid, the codes of the others, and (hammer) the clock reading of every
// verification, which is the `now` the store decided it with.
import { createKeywarden } from '../../packages/keywarden/src/index.js'
import { openStore, type StoreSpec } from './stores.js'

const [mode, specJson, key, ...rest] = process.argv.slice(2)
const store = openStore(JSON.parse(specJson as string) as StoreSpec)
const times: number[] = []
const warden = createKeywarden({
  store,
  prefix: 'lim',
  lastUsed: false,
  // The usage tests flush often, so the two processes' flushes overlap many times.
  ...(process.env.KEYWARDEN_TEST_USAGE_FLUSH_MS && {
    usage: { flushIntervalMs: Number(process.env.KEYWARDEN_TEST_USAGE_FLUSH_MS) },
  }),
  // verify reads the clock once per verification with limits: record each reading.
  now: () => {
    const at = new Date()
    times.push(at.getTime())
    return at
  },
})

const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())))

/** Prints "ready", then resolves with the start instant from the parent's "go <startAt>" line. */
function ready(): Promise<number> {
  process.stdout.write('ready\n')
  return new Promise((resolve) => {
    let buffered = ''
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (chunk: string) => {
      buffered += chunk
      const match = /go (\d+)\n/.exec(buffered)
      if (match) {
        process.stdin.pause()
        resolve(Number(match[1]))
      }
    })
  })
}

async function main(): Promise<unknown> {
  const codes: Record<string, number> = {}
  let valid = 0
  const verifyOnce = async () => {
    const result = await warden.keys.verify(key)
    if (result.valid) valid++
    else codes[result.code] = (codes[result.code] ?? 0) + 1
  }
  // One warm-up read so the first timed verification does not pay for connecting.
  await store.getKeyById('key_none')
  const startAt = await ready()
  await until(startAt)
  if (mode === 'spend') {
    const count = Number(rest[0])
    const began = Date.now()
    await Promise.all(Array.from({ length: count }, verifyOnce))
    return { valid, codes, began, ended: Date.now() }
  }
  if (mode === 'count') {
    // `count` verifications by `workers` concurrent callers (the usage tests).
    const [count, workers] = rest.map(Number) as [number, number]
    const began = Date.now()
    let left = count
    const worker = async () => {
      while (left-- > 0) await verifyOnce()
    }
    await Promise.all(Array.from({ length: workers }, worker))
    return { valid, codes, began, ended: Date.now() }
  }
  if (mode === 'hammer') {
    const [durationMs, workers] = rest.map(Number) as [number, number]
    times.length = 0
    const end = startAt + durationMs
    const worker = async () => {
      while (Date.now() < end) await verifyOnce()
    }
    await Promise.all(Array.from({ length: workers }, worker))
    return { valid, codes, times }
  }
  throw new Error(`unknown mode ${mode}`)
}

try {
  process.stdout.write(`${JSON.stringify(await main())}\n`)
  await warden.close()
} catch (error) {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  process.exitCode = 1
  await warden.close().catch(() => {})
}
