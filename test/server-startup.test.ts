import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnCli } from './cli-harness.js'
import { runServerExpectingExit, startServerProcess } from './server-process-helpers.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from './support/services.js'

const MAIN = join(import.meta.dirname, '..', 'packages', 'server', 'src', 'main.ts')
const TSX = join(import.meta.dirname, '..', 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')
const SECRET = 'Pk4Xz8Lq1Vm6Tn3Rb9Wc2Hy7Jd5Gs0Fa4Ue8Oi2Yb'
const dir = mkdtempSync(join(tmpdir(), 'kw-startup-'))
const pgSkip = await serviceSkip('postgres')
const tablePrefix = `${uniqueName('kwstartup')}_`

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  if (pgSkip) return
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  const { rows } = await client.query('select tablename from pg_tables where tablename like $1', [
    `${tablePrefix}%`,
  ])
  for (const { tablename } of rows) await client.query(`drop table if exists "${tablename}" cascade`)
  await client.end()
})

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as { port: number }).port }
}

async function freePort(): Promise<number> {
  const { server, port } = await occupy()
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('start-up', () => {
  it.skipIf(pgSkip)('names the database and Redis in use, never the password', async () => {
    // Local postgres trusts the connection, so any password works: it must still never be printed.
    const url = new URL(POSTGRES_URL)
    url.password = 'hunter2pg'
    const server = await startServerProcess(
      {
        KEYWARDEN_SECRET: SECRET,
        KEYWARDEN_DATABASE_URL: url.toString(),
        KEYWARDEN_TABLE_PREFIX: tablePrefix,
      },
      dir,
    )
    try {
      expect(server.stderr()).toMatch(
        /^keywarden: database postgres:\/\/[^:\s]+:\*\*\*@\S+, table prefix kwstartup_\w+; no Redis cache tier$/m,
      )
      expect(server.stderr() + server.stdout()).not.toContain('hunter2pg')
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('warns about a misspelled variable with the closest name and starts anyway', async () => {
    const server = await startServerProcess(
      { KEYWARDEN_SECRET: SECRET, KEYWARDEN_DB_URL: 'postgres://x@db/app', DATABASE_URL: 'mysql://x@db/app' },
      dir,
    )
    try {
      expect(server.stderr()).toContain(
        'keywarden: warning: KEYWARDEN_DB_URL is not a keywarden setting and is ignored; did you mean KEYWARDEN_DATABASE_URL?',
      )
      expect(server.stderr()).toContain(
        'keywarden: warning: DATABASE_URL is set but keywarden reads KEYWARDEN_DATABASE_URL',
      )
      expect(server.stderr()).toContain(
        `keywarden: database sqlite:./keywarden.db (${join(dir, 'keywarden.db')})`,
      )
    } finally {
      await server.stop()
    }
  })

  it('on a taken port names the port and how to choose another (npm start and keywarden serve)', async () => {
    const { server, port } = await occupy()
    try {
      const result = await runServerExpectingExit({ KEYWARDEN_SECRET: SECRET, PORT: String(port) }, dir)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`cannot start: port ${port} on 127.0.0.1 is already in use`)
      expect(result.stderr).toMatch(/--port <n> or PORT=<n>/)

      const child = spawnCli(['serve', '--port', String(port)], {
        cwd: dir,
        env: { KEYWARDEN_SECRET: SECRET },
      })
      let stderr = ''
      child.stderr.on('data', (d) => {
        stderr += d
      })
      const [code] = await once(child, 'exit')
      expect(code).toBe(1)
      expect(stderr).toContain(`keywarden: port ${port} on 127.0.0.1 is already in use`)
    } finally {
      server.close()
    }
  })

  it('npm start -- --port <n> listens on that port', async () => {
    const port = await freePort()
    const server = await startServerProcess({ KEYWARDEN_SECRET: SECRET }, dir, [
      process.execPath,
      '--conditions=keywarden-source',
      '--import',
      TSX,
      MAIN,
      '--port',
      String(port),
    ])
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}`)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })
})
