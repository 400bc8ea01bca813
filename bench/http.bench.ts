import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import autocannon from 'autocannon'
import { Hono } from 'hono'
import { apiKeyAuth } from '../packages/keywarden/src/http/hono.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { recordThroughput } from './harness.js'

// One server, identical routes: plain, behind apiKeyAuth, and behind a middleware that does nothing;
// all get the same request (with the key).
const warden = createKeywarden({
  store: memoryStore(),
  prefix: 'bench',
  lastUsed: { flushIntervalMs: 60_000 },
})
const { key } = await warden.keys.create({ name: 'bench', scopes: ['users:read'] })
const app = new Hono()
app.get('/plain', (c) => c.json({ ok: true }))
app.get('/auth', apiKeyAuth({ warden }), (c) => c.json({ ok: true }))
// The floor (DESIGN.md): Hono runs a route with one handler directly and a route with middleware
// through its compose chain, so a do-nothing middleware is what any middleware starts from.
app.get(
  '/noop',
  (_c, next) => next(),
  (c) => c.json({ ok: true }),
)
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
await once(server, 'listening')
const { port } = server.address() as AddressInfo

interface Round {
  /** Requests per wall-clock second, as autocannon reports them. */
  wall: number
  /** Requests per second of CPU this process got (server and autocannon share it). */
  cpu: number
}

async function round(path: string, seconds: number): Promise<Round> {
  const before = process.cpuUsage()
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: 32,
    duration: seconds,
    headers: { 'x-api-key': key },
  })
  const used = process.cpuUsage(before)
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  return { wall: result.requests.average, cpu: result.requests.total / ((used.user + used.system) / 1e6) }
}

await round('/auth', 1) // warm-up: JIT, sockets
await round('/plain', 1)
await round('/noop', 1)
// Rounds rotate the order of the three routes on a machine shared with other work: each round's
// ratios compare neighbours in time, and the median round decides, so one burst of load elsewhere
// cannot. Wall-clock req/s is what autocannon reports; req per CPU-second of this process is the
// same figure with the machine's other load taken out.
const paths = ['/plain', '/auth', '/noop'] as const
const rounds: Array<Record<(typeof paths)[number], Round>> = []
for (let i = 0; i < 11; i++) {
  const measured = {} as Record<(typeof paths)[number], Round>
  for (let j = 0; j < paths.length; j++) {
    const path = paths[(i + j) % paths.length] as (typeof paths)[number]
    measured[path] = await round(path, 2)
  }
  rounds.push(measured)
}
function medianRound(measure: keyof Round, subject: (typeof paths)[number], floor: (typeof paths)[number]) {
  const ratio = (r: (typeof rounds)[number]) => r[subject][measure] / r[floor][measure]
  const mid = [...rounds].sort((a, b) => ratio(a) - ratio(b))[rounds.length >> 1] as (typeof rounds)[number]
  return { subject: mid[subject][measure], floor: mid[floor][measure] }
}
if (process.env.KEYWARDEN_BENCH_VERBOSE) {
  for (const r of rounds) {
    console.log(
      `     round: auth/noop wall ${(r['/auth'].wall / r['/noop'].wall).toFixed(3)} cpu ${(r['/auth'].cpu / r['/noop'].cpu).toFixed(3)}; noop/plain wall ${(r['/noop'].wall / r['/plain'].wall).toFixed(3)}`,
    )
  }
}
const wall = medianRound('wall', '/auth', '/noop')
recordThroughput(
  'Hono route behind apiKeyAuth (memoryStore), autocannon',
  'same route behind a do-nothing middleware',
  wall.subject,
  wall.floor,
  0.9,
)
const context = (name: string, pair: { subject: number; floor: number }, floorName: string) =>
  recordThroughput(name, floorName, pair.subject, pair.floor)
context(
  '  the same per CPU-second of the process (machine load taken out)',
  medianRound('cpu', '/auth', '/noop'),
  'do-nothing middleware',
)
context(
  'the route behind apiKeyAuth vs with no middleware (context)',
  medianRound('wall', '/auth', '/plain'),
  'no middleware',
)
context(
  "the route behind a do-nothing middleware vs with none (Hono's compose chain alone)",
  medianRound('wall', '/noop', '/plain'),
  'no middleware',
)
server.close()
await warden.close()
