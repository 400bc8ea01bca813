// keywarden against better-auth's API-key plugin (@better-auth/api-key), both on a better-sqlite3
// file in WAL mode with 1,000 keys each: (1) library verify on the server's embedded default vs
// verifyApiKey in the same process; (2) POST /api/verify on the ready server vs verifyApiKey behind
// a minimal route on the same framework and server, each in its own process, same autocannon load.
// The peer lives in bench/peers (own package.json), installed here on first use.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { loadServerConfig } from '../packages/server/src/config.js'
import { openServerStores } from '../packages/server/src/stores.js'
import { startServerProcess } from '../test/server-process-helpers.js'
import { compare, recordThroughput } from './harness.js'
import type { BetterAuthModule } from './peers/contract.js'

const COUNT = 1000
const PEERS = join(import.meta.dirname, 'peers')
const TSX = join(import.meta.dirname, '..', 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')

if (!existsSync(join(PEERS, 'node_modules', 'better-auth'))) {
  console.log('installing the peers (npm install --prefix bench/peers), once')
  // Built from source: better-sqlite3's install would otherwise fetch a prebuilt binary from outside npm.
  execFileSync('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
    env: { ...process.env, npm_config_build_from_source: 'true' },
  })
}
// Imported by URL so the workspace type-checks without bench/peers installed.
const peerModule = pathToFileURL(join(PEERS, 'better-auth.ts')).href
const { openBetterAuth } = (await import(peerModule)) as BetterAuthModule
const versions = execFileSync('npm', ['ls', '--prefix', PEERS, '--depth=0'], { encoding: 'utf8' })
console.log(`peers: ${[...versions.matchAll(/(?:better-auth|@better-auth\/api-key)@\S+/g)].join(', ')}`)

const dir = mkdtempSync(join(tmpdir(), 'kwpeers-'))
process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
const keywardenFile = join(dir, 'keywarden.db')
const peerFile = join(dir, 'better-auth.db')
const env = {
  KEYWARDEN_DATABASE_URL: `sqlite:${keywardenFile}`,
  KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
}

// (1) The warden as startServer builds it, on the stores the server opens for this configuration.
const config = loadServerConfig(env)
const stores = await openServerStores(config)
const warden = createKeywarden({
  store: stores.keys,
  prefix: config.prefix,
  acceptLegacy: config.acceptLegacy,
})
const keys: string[] = []
for (let i = 0; i < COUNT; i++)
  keys.push((await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })).key)
const service = await warden.keys.create({ name: 'bench-service', scopes: ['keywarden:verify'] })
const peer = await openBetterAuth(peerFile)
const peerKeys = await peer.createKeys(COUNT)
for (const [side, result] of [
  ['keywarden', await warden.keys.verify(keys[0])],
  ['better-auth', await peer.verify(peerKeys[0] as string)],
] as const) {
  if (!result.valid) throw new Error(`${side} refused its own key; the comparison would measure failures`)
}

let i = 0
let j = 0
const library = await compare({
  name: "verify() on the server's embedded default (SQLite file)",
  subject: () => warden.keys.verify(keys[i++ % COUNT]),
  floorName: "better-auth's verifyApiKey (better-sqlite3 file)",
  floor: () => peer.verify(peerKeys[j++ % COUNT] as string),
  maxRatio: 1 / 200,
})
console.log(
  `     = ${(1 / library.ratio).toFixed(0)}× better-auth's verifications per second (budget >= 200×)`,
)
await warden.close()
await stores.closeRest()
peer.close()

// (2) Both servers in their own process; autocannon here, one side at a time.
interface Round {
  rps: number
  p50: number
  p99: number
}

function startPeerServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', TSX, join(PEERS, 'better-auth-server.ts'), peerFile], {
    stdio: ['ignore', 'inherit', 'pipe'],
  })
  let err = ''
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk) => {
      err += chunk
      const url = /better-auth listening on (http:\/\/\S+)/.exec(err)?.[1]
      if (url) resolve({ url, child })
    })
    child.once('exit', (code) => reject(new Error(`the better-auth server exited with ${code}:\n${err}`)))
  })
}

async function load(url: string, headers: Record<string, string>, pool: string[], seconds: number) {
  let n = 0
  const result = await autocannon({
    url,
    connections: 32,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ key: pool[n++ % pool.length] }) }),
      },
    ],
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** One request first: the load is only worth measuring when it verifies valid keys. */
async function probe(url: string, headers: Record<string, string>, key: string): Promise<'ok' | 'missing'> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ key }),
  })
  if (response.status === 404) return 'missing'
  const body = (await response.json().catch(() => null)) as { valid?: boolean } | null
  if (response.status !== 200 || body?.valid !== true) {
    throw new Error(`${url} answered ${response.status} ${JSON.stringify(body)} for a valid key`)
  }
  return 'ok'
}

const keywardenServer = await startServerProcess(env, dir)
const peerServer = await startPeerServer().catch(async (error) => {
  await keywardenServer.stop()
  throw error
})
try {
  const sides = {
    keywarden: {
      url: `${keywardenServer.url}/api/verify`,
      headers: { authorization: `Bearer ${service.key}` },
      pool: keys,
    },
    'better-auth': { url: `${peerServer.url}/verify`, headers: {}, pool: peerKeys },
    ceiling: { url: `${peerServer.url}/ceiling`, headers: {}, pool: peerKeys },
  }
  type Side = keyof typeof sides
  type Measured = Partial<Record<Side, Round>>
  const available = (await probe(sides.keywarden.url, sides.keywarden.headers, keys[0] as string)) === 'ok'
  await probe(sides['better-auth'].url, {}, peerKeys[0] as string)
  const measured: Side[] = available ? ['keywarden', 'better-auth', 'ceiling'] : ['better-auth', 'ceiling']
  const run = (side: Side, seconds: number) =>
    load(sides[side].url, sides[side].headers, sides[side].pool, seconds)
  for (const side of measured) await run(side, 1) // warm-up: JIT, sockets
  // Five rounds rotating which side goes first; the median round decides (shared, noisy machine).
  const rounds: Measured[] = []
  for (let r = 0; r < 5; r++) {
    const round: Measured = {}
    for (let k = 0; k < measured.length; k++) {
      const side = measured[(r + k) % measured.length] as Side
      round[side] = await run(side, 3)
    }
    rounds.push(round)
  }
  const rps = (r: Measured, side: Side) => (r[side] as Round).rps
  const score = (r: Measured) =>
    available ? rps(r, 'keywarden') / rps(r, 'better-auth') : rps(r, 'better-auth')
  const median = [...rounds].sort((a, b) => score(a) - score(b))[rounds.length >> 1] as Measured
  const line = (r: Round) =>
    `${Math.round(r.rps).toLocaleString('en-US')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`
  if (available) {
    recordThroughput(
      'POST /api/verify on the ready server (SQLite default), autocannon 32 connections',
      "better-auth's verifyApiKey behind a Hono route (SQLite)",
      rps(median, 'keywarden'),
      rps(median, 'better-auth'),
      20,
    )
    console.log(`     keywarden ${line(median.keywarden as Round)}`)
  } else {
    console.log('skipped: /api/verify not available (the server answered 404)')
  }
  console.log(`     better-auth ${line(median['better-auth'] as Round)}`)
  // What the framework and autocannon allow here: no server can beat the peer by more than this.
  console.log(
    `info a Hono route that parses the body and answers, no verification: ${line(median.ceiling as Round)} (${(rps(median, 'ceiling') / rps(median, 'better-auth')).toFixed(1)}× better-auth)`,
  )
} finally {
  await keywardenServer.stop()
  peerServer.child.kill('SIGTERM')
}
