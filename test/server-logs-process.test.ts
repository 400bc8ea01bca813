/**
 * The log of a started server (startServer, SQLite): JSON lines with NODE_ENV=production, text in
 * development, the level from KEYWARDEN_LOG_LEVEL, the socket's client address in each line.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/index.js'
import { loadServerConfig, startServer } from '../packages/server/src/index.js'
import { TEST_SECRET } from './server-helpers.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function started(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'kw-logs-'))
  dirs.push(dir)
  const config = loadServerConfig({
    PORT: '0',
    KEYWARDEN_DATABASE_URL: `sqlite:${join(dir, 'keywarden.db')}`,
    KEYWARDEN_SECRET: TEST_SECRET,
    ...env,
  })
  let out = ''
  let err = ''
  const server = await startServer(config, { stdout: (t) => (out += t), stderr: (t) => (err += t) })
  const adminKey = /\b(kw_[0-9A-Za-z]+)\b/.exec(out)?.[1] ?? ''
  return { server, adminKey, stderr: () => err }
}

describe('a started server', () => {
  it('writes JSON lines with NODE_ENV=production, with the client address and request id', async () => {
    const { server, adminKey, stderr } = await started({ NODE_ENV: 'production' })
    try {
      const res = await fetch(`${server.url}/api/demo`, {
        headers: { 'x-api-key': 'kw_nonsense', 'x-request-id': 'prod-1' },
      })
      expect(res.status).toBe(401)
      expect(res.headers.get('x-request-id')).toBe('prod-1')
      const created = await fetch(`${server.url}/api/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'svc' }),
      })
      expect(created.status).toBe(201)
      const { key } = (await created.json()) as { key: string }
      const entries = stderr()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
      expect(entries.find((e) => e.reqId === 'prod-1')).toMatchObject({
        level: 'info',
        msg: 'refused',
        code: 'MALFORMED',
        route: '/api/demo',
        status: 401,
        client: expect.stringMatching(/127\.0\.0\.1$/),
      })
      expect(entries.find((e) => e.msg === 'key.create')).toMatchObject({ level: 'info', status: 201 })
      expect(stderr()).not.toContain(adminKey)
      expect(stderr()).not.toContain(key)
      expect(stderr()).not.toContain(TEST_SECRET)
    } finally {
      await server.close()
    }
  })

  it('writes text lines in development, at KEYWARDEN_LOG_LEVEL', async () => {
    const { server, stderr } = await started({ KEYWARDEN_LOG_LEVEL: 'debug' })
    try {
      const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'dev-1' } })
      expect(res.headers.get('x-request-id')).toBe('dev-1')
      expect(stderr()).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} DEBUG request reqId=dev-1 method=GET route=\/healthz status=200 /m,
      )
    } finally {
      await server.close()
    }
    const quiet = await started({ KEYWARDEN_LOG_LEVEL: 'warn' })
    try {
      await fetch(`${quiet.server.url}/api/demo`, { headers: { 'x-request-id': 'dev-2' } })
      expect(quiet.stderr()).not.toContain('dev-2')
    } finally {
      await quiet.server.close()
    }
  })

  it('refuses an unknown KEYWARDEN_LOG_LEVEL, naming the levels', () => {
    expect(() => loadServerConfig({ KEYWARDEN_LOG_LEVEL: 'verbose' })).toThrow(ConfigError)
    expect(() => loadServerConfig({ KEYWARDEN_LOG_LEVEL: 'verbose' })).toThrow(
      'KEYWARDEN_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    )
    expect(loadServerConfig({ KEYWARDEN_LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug')
    expect(loadServerConfig({}).logLevel).toBe('info')
  })
})
