/** /api/verify across two server processes on one database: credits are spent exactly once per call. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TEST_SECRET } from './server-helpers.js'
import { type ServerProcess, startServerProcess } from './server-process-helpers.js'
import { dropPostgresTables } from './support/postgres-tables.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from './support/services.js'

const ADMIN_KEY = /^\s+(kw_[0-9A-Za-z]+)$/m
const CREDITS = 100
const CALLS_EACH = 100
const IN_FLIGHT = 8

const skipPostgres = await serviceSkip('postgres')
if (skipPostgres) console.warn(`the PostgreSQL case is skipped: ${skipPostgres}`)
const tablePrefix = `${uniqueName('kwsvc')}_`

const databases = [
  { name: 'one SQLite file', env: {} as Record<string, string>, skip: false as string | false },
  {
    name: 'one PostgreSQL database',
    env: { KEYWARDEN_DATABASE_URL: POSTGRES_URL, KEYWARDEN_TABLE_PREFIX: tablePrefix },
    skip: skipPostgres,
  },
]

afterAll(async () => {
  if (!skipPostgres) await dropPostgresTables(tablePrefix)
})

async function call(url: string, path: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** `count` verifications against one server, `IN_FLIGHT` at a time; the codes answered. */
async function hammer(url: string, service: string, key: string, count: number): Promise<string[]> {
  const codes: string[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      const got = await call(url, '/api/verify', service, { key })
      codes.push(got.status === 200 ? ((await got.json()) as { code: string }).code : `HTTP ${got.status}`)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  return codes
}

describe.each(databases)('POST /api/verify on two server processes over $name', ({ env, skip }) => {
  it.skipIf(skip)(
    `spends a key's ${CREDITS} credits exactly: ${2 * CALLS_EACH} calls, ${CREDITS} valid`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kw-svc-'))
      const servers: ServerProcess[] = []
      try {
        const full = { KEYWARDEN_SECRET: TEST_SECRET, ...env }
        servers.push(await startServerProcess(full, dir))
        servers.push(await startServerProcess(full, dir))
        const [a, b] = servers as [ServerProcess, ServerProcess]
        const admin = ADMIN_KEY.exec(a.stdout())?.[1] as string
        expect(admin).toBeDefined()
        const create = async (input: object) => {
          const got = await call(a.url, '/api/keys', admin, input)
          expect(got.status).toBe(201)
          return ((await got.json()) as { key: string }).key
        }
        const metered = await create({ name: 'metered', remaining: CREDITS })
        const service = await create({ name: 'checkout', scopes: ['keywarden:verify'] })

        const [onA, onB] = await Promise.all([
          hammer(a.url, service, metered, CALLS_EACH),
          hammer(b.url, service, metered, CALLS_EACH),
        ])
        const all = [...onA, ...onB]
        expect(all.filter((code) => code === 'VALID')).toHaveLength(CREDITS)
        expect(all.filter((code) => code === 'USAGE_EXCEEDED')).toHaveLength(2 * CALLS_EACH - CREDITS)
        // Both processes served valid answers: the balance was shared, not per process.
        expect(onA.includes('VALID') && onB.includes('VALID')).toBe(true)
        const left = await call(b.url, '/api/verify', service, { key: metered, cost: 0 })
        expect(await left.json()).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 0 })
      } finally {
        await Promise.all(servers.map((s) => s.stop('SIGKILL')))
        rmSync(dir, { recursive: true, force: true })
      }
    },
    120_000,
  )
})
