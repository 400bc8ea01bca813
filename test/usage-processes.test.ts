import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden, generateKey } from '../packages/keywarden/src/index.js'
import { freshLimitPlace, type LimitEngine, type LimitPlace, openStore } from './limits-procs/stores.js'
import { serviceSkip } from './support/services.js'

// Two processes verify one key 5,000 times each (plus some garbage) on one shared store, every
// process flushing its counts every 20 ms; the sums must come out exact.
const child = fileURLToPath(new URL('./limits-procs/child.ts', import.meta.url))
const PER_PROCESS = 5000
const MINUTE = 60_000

interface ChildReport {
  valid: number
  codes: Record<string, number>
  began: number
  ended: number
}

function start(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 120_000,
    env: { ...process.env, KEYWARDEN_TEST_USAGE_FLUSH_MS: '20' },
  })
  let stdout = ''
  let stderr = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (stdout.startsWith('ready\n')) onReady()
  })
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const report = new Promise<ChildReport>((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${stderr}`))
      else resolve(JSON.parse(stdout.slice('ready\n'.length)))
    })
  })
  return {
    ready: Promise.race([ready, report.then(() => {})]),
    go: (startAt: number) => proc.stdin.end(`go ${startAt}\n`),
    report,
  }
}

async function both(args: string[][]): Promise<ChildReport[]> {
  const children = args.map(start)
  await Promise.all(children.map((c) => c.ready))
  const startAt = Date.now() + 500
  for (const c of children) c.go(startAt)
  return Promise.all(children.map((c) => c.report))
}

for (const engine of ['sqlite', 'postgres', 'redis'] as LimitEngine[]) {
  const service = freshLimitPlace(engine).service
  const skip = service ? await serviceSkip(service) : false
  describe.skipIf(skip)(`usage counts across two processes: ${engine}`, () => {
    const place: LimitPlace = freshLimitPlace(engine)
    afterAll(() => place.cleanup())

    it('10,000 verifications in two processes sum exactly, in minutes, hours and days', async () => {
      const store = openStore(place.spec)
      const warden = createKeywarden({ store, prefix: 'lim', lastUsed: false })
      try {
        const { key, record } = await warden.keys.create({ name: 'busy', ownerId: 'owner_p' })
        const stranger = generateKey('lim').key
        const reports = await both([
          ['count', JSON.stringify(place.spec), key, String(PER_PROCESS), '50'],
          ['count', JSON.stringify(place.spec), key, String(PER_PROCESS), '50'],
          ['count', JSON.stringify(place.spec), stranger, '100', '10'],
        ])
        expect(reports.map((r) => r.valid)).toEqual([PER_PROCESS, PER_PROCESS, 0])
        const from = Math.min(...reports.map((r) => r.began)) - MINUTE
        const to = Math.max(...reports.map((r) => r.ended)) + MINUTE
        const total = async (query: object, granularity: 'minute' | 'hour' | 'day') => {
          const { buckets } = await warden.usage.query({ ...query, from, to, granularity })
          return buckets.reduce(
            (sum, b) => ({
              valid: sum.valid + b.valid,
              spent: sum.spent + b.spent,
              notFound: sum.notFound + (b.invalid.NOT_FOUND ?? 0),
            }),
            { valid: 0, spent: 0, notFound: 0 },
          )
        }
        const exact = { valid: 2 * PER_PROCESS, spent: 2 * PER_PROCESS, notFound: 0 }
        for (const granularity of ['minute', 'hour', 'day'] as const) {
          expect(await total({ keyId: record.id }, granularity)).toEqual(exact)
          expect(await total({ ownerId: 'owner_p' }, granularity)).toEqual(exact)
          expect(await total({ keyless: true }, granularity)).toEqual({ valid: 0, spent: 0, notFound: 100 })
        }
      } finally {
        await warden.close()
      }
    }, 180_000)
  })
}
