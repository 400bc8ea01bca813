import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { checkWindow, windowStart } from '../packages/keywarden/src/stores/sliding-window.js'
import type { RateLimitRule } from '../packages/keywarden/src/stores/types.js'
import { freshLimitPlace, type LimitEngine, type LimitPlace, openStore } from './limits-procs/stores.js'
import { serviceSkip } from './support/services.js'

const child = fileURLToPath(new URL('./limits-procs/child.ts', import.meta.url))

interface ChildReport {
  valid: number
  codes: Record<string, number>
  times?: number[]
  began?: number
  ended?: number
}

interface Running {
  ready: Promise<void>
  go(startAt: number): void
  report: Promise<ChildReport>
}

function start(args: string[]): Running {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 60_000,
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
  // A child that dies before "ready" must not leave the test waiting.
  return {
    ready: Promise.race([ready, report.then(() => {})]),
    go: (startAt) => proc.stdin.end(`go ${startAt}\n`),
    report,
  }
}

/** Starts two children, waits until both are connected, starts them together, collects reports. */
async function both(args: string[]): Promise<ChildReport[]> {
  const children = [start(args), start(args)]
  await Promise.all(children.map((c) => c.ready))
  const startAt = Date.now() + 500 // room for a loaded machine to deliver both "go" lines
  for (const c of children) c.go(startAt)
  return Promise.all(children.map((c) => c.report))
}

/** What the sliding window admits when the verifications arrive at these instants, one by one. */
function expectedAdmissions(times: number[], rule: RateLimitRule): number {
  const counts = new Map<number, number>()
  let admitted = 0
  for (const now of [...times].sort((a, b) => a - b)) {
    const start = windowStart(now, rule.windowMs)
    const window = { previous: counts.get(start - rule.windowMs) ?? 0, current: counts.get(start) ?? 0 }
    if (checkWindow(rule, window, now).allowed) {
      counts.set(start, window.current + 1)
      admitted++
    }
  }
  return admitted
}

// The Redis stores once more on an ioredis 6 client (RESP3) in both processes; the plain entries use { url }.
const engines: Array<[LimitEngine, string?]> = [
  ['sqlite'],
  ['postgres'],
  ['mysql'],
  ['redis'],
  ['cached'],
  ['redis', 'ioredis 6'],
  ['cached', 'ioredis 6'],
]

for (const [kind, client] of engines) {
  const engine = client ? `${kind} (${client})` : kind
  const places: LimitPlace[] = []
  const fresh = () => {
    const place = freshLimitPlace(kind, client)
    places.push(place)
    return place
  }
  const probe = freshLimitPlace(kind)
  const skip = probe.service ? await serviceSkip(probe.service) : false
  if (skip) console.warn(`[keywarden] skipping limits across processes on ${engine}: ${skip}`)

  describe.skipIf(skip)(`usage limits across two processes: ${engine}`, () => {
    afterAll(async () => {
      for (const place of places) await place.cleanup()
    })

    it('2 processes × 500 concurrent verifications of a key with 100 credits: exactly 100 valid', async () => {
      const place = fresh()
      const store = openStore(place.spec)
      const warden = createKeywarden({ store, prefix: 'lim', lastUsed: false })
      try {
        const { key, record } = await warden.keys.create({ name: 'credits', remaining: 100 })
        const reports = await both(['spend', JSON.stringify(place.spec), key, '500'])
        expect(reports.reduce((sum, r) => sum + r.valid, 0)).toBe(100)
        expect(reports.reduce((sum, r) => sum + (r.codes.USAGE_EXCEEDED ?? 0), 0)).toBe(900)
        for (const report of reports) expect(report.valid + (report.codes.USAGE_EXCEEDED ?? 0)).toBe(500)
        // The two bursts overlapped in time: each began before the other ended.
        const [a, b] = reports as [ChildReport, ChildReport]
        expect(Math.max(a.began ?? 0, b.began ?? 0)).toBeLessThan(Math.min(a.ended ?? 0, b.ended ?? 0))
        expect((await warden.keys.get(record.id))?.remaining).toBe(0)
      } finally {
        await warden.close()
      }
    })

    it('a 50-per-second limit hit by 2 processes at full speed for 3 s admits what the window math says (±2%)', async () => {
      const place = fresh()
      const store = openStore(place.spec)
      const warden = createKeywarden({ store, prefix: 'lim', lastUsed: false })
      const rule = { name: 'per-second', limit: 50, windowMs: 1000 }
      try {
        const { key } = await warden.keys.create({ name: 'rate', remaining: 1_000_000, rateLimits: [rule] })
        const reports = await both(['hammer', JSON.stringify(place.spec), key, '3000', '8'])
        const times = reports.flatMap((r) => r.times ?? [])
        const admitted = reports.reduce((sum, r) => sum + r.valid, 0)
        const refused = reports.reduce((sum, r) => sum + (r.codes.RATE_LIMITED ?? 0), 0)
        expect(admitted + refused).toBe(times.length)
        // As fast as the store goes; the limit must have been binding (a loaded machine runs
        // postgres at a few hundred locked transactions a second, sqlite at tens of thousands).
        expect(refused).toBeGreaterThan(times.length * 0.2)
        const expected = expectedAdmissions(times, rule)
        console.log(
          `[limits] ${engine}: ${times.length} verifications, ${admitted} admitted, window math ${expected}`,
        )
        // 3 s of 50/s with a sliding window: about 150, never more than 4 windows' worth.
        expect(expected).toBeGreaterThan(120)
        expect(expected).toBeLessThanOrEqual(200)
        expect(Math.abs(admitted - expected)).toBeLessThanOrEqual(expected * 0.02)
        // Credits were spent by exactly the admitted verifications.
        const stored = await warden.keys.list({ limit: 1 })
        expect(stored.items[0]?.remaining).toBe(1_000_000 - admitted)
      } finally {
        await warden.close()
      }
    })
  })
}
