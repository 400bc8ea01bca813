/** examples/python/keywarden_client.py against a live server (SQLite, a temp dir), run by python3. */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey } from '../packages/keywarden/src/index.js'
import { cli } from './cli-harness.js'
import { TEST_SECRET } from './server-helpers.js'
import { type ServerProcess, startServerProcess } from './server-process-helpers.js'

const run = promisify(execFile)
const CLIENT_DIR = join(import.meta.dirname, '..', 'examples', 'python')
const ADMIN_KEY = /^\s+(kw_[0-9A-Za-z]+)$/m
const OPENAI = 'sk-proj-Pq1xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'
const PLATFORM_ANTHROPIC = 'sk-ant-api03-PlatformPq1xW9vU8tS7rQ6pO5nM4'

const hasPython = await run('python3', ['--version']).then(
  () => true,
  () => false,
)
if (!hasPython) console.warn('python client test skipped: python3 is not on PATH')

/** Calls the client the way a Python app would; prints one JSON object of what came back. */
const SCRIPT = `
import json, os, sys
sys.path.insert(0, os.environ["CLIENT_DIR"])
from keywarden_client import KeywardenClient, KeywardenAuthError, KeywardenNotFound, KeywardenUnavailable, KeywardenBudgetExceeded

url, service = os.environ["KW_URL"], os.environ["KW_SERVICE"]
kw = KeywardenClient(url, service_key=service)
out = {
    "valid": kw.verify(os.environ["KW_USER_KEY"], scopes=["users:read"]),
    "spent": kw.verify(os.environ["KW_METERED"], cost=3),
    "lacking": kw.verify(os.environ["KW_USER_KEY"], scopes=["users:write"]),
    "malformed": kw.verify("not-a-key"),
    "unknown": kw.verify(os.environ["KW_UNKNOWN"]),
    "resolved": kw.resolve("user-42", "openai"),
    "platform": kw.resolve("user-42", "anthropic", team_ids=["acme"]),
}

def failure(call):
    try:
        call()
        return None
    except (KeywardenAuthError, KeywardenNotFound, KeywardenUnavailable, KeywardenBudgetExceeded) as error:
        return {"type": type(error).__name__, "status": error.status, "message": str(error)}

out["missing"] = failure(lambda: kw.resolve("user-42", "groq", team_ids=["acme"]))
out["bad_service_key"] = failure(lambda: KeywardenClient(url, "kw_nonsense").verify("x"))
out["no_scope"] = failure(lambda: KeywardenClient(url, os.environ["KW_USER_KEY"]).resolve("user-42", "openai"))
out["down"] = failure(lambda: KeywardenClient("http://127.0.0.1:9", service, timeout=2).verify("x"))
print(json.dumps(out))
`

describe.skipIf(!hasPython)('the Python client against a running server', () => {
  let dir: string
  let server: ServerProcess

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-py-'))
    server = await startServerProcess(
      {
        KEYWARDEN_SECRET: TEST_SECRET,
        KEYWARDEN_PROVIDERS: JSON.stringify({ anthropic: { platformKey: PLATFORM_ANTHROPIC } }),
      },
      dir,
    )
  })

  afterAll(async () => {
    await server?.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('verifies keys and resolves provider keys, and raises on 401, 403, 404 and no server', async () => {
    const admin = ADMIN_KEY.exec(server.stdout())?.[1] as string
    const api = async (method: string, path: string, key: string, body: unknown) => {
      const got = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(got.status).toBeLessThan(300)
      return got.json() as Promise<{ key: string; record: { id: string } }>
    }
    // The service's credential, made the way docs/service.md says: with the CLI.
    const created = await cli(
      ['keys', 'create', '--name', 'python app', '--scopes', 'keywarden:verify,keywarden:resolve', '--json'],
      { cwd: dir },
    )
    expect(created.code).toBe(0)
    const service = created.json<{ key: string }>().key
    const user = await api('POST', '/api/keys', admin, {
      name: 'u42',
      ownerId: 'user-42',
      scopes: ['users:read'],
    })
    const byok = await api('POST', '/api/keys', admin, {
      name: 'u42 byok',
      ownerId: 'user-42',
      scopes: ['keywarden:byok'],
    })
    const metered = await api('POST', '/api/keys', admin, { name: 'metered', remaining: 10 })
    await api('PUT', '/api/byok/openai', byok.key, { apiKey: OPENAI })
    const unknown = generateKey('kw').key

    const { stdout } = await run('python3', ['-c', SCRIPT], {
      env: {
        PATH: process.env.PATH ?? '',
        CLIENT_DIR,
        KW_URL: server.url,
        KW_SERVICE: service,
        KW_USER_KEY: user.key,
        KW_METERED: metered.key,
        KW_UNKNOWN: unknown,
      },
      timeout: 30_000,
    })
    const out = JSON.parse(stdout)
    expect(out.valid).toMatchObject({
      valid: true,
      code: 'VALID',
      key: { id: user.record.id, ownerId: 'user-42' },
    })
    expect(out.spent).toMatchObject({ valid: true, remaining: 7 })
    expect(out.lacking).toMatchObject({
      valid: false,
      code: 'INSUFFICIENT_SCOPES',
      missingScopes: ['users:write'],
    })
    expect(out.malformed).toEqual({ valid: false, code: 'MALFORMED' })
    expect(out.unknown).toEqual({ valid: false, code: 'NOT_FOUND' })
    expect(out.resolved).toMatchObject({ provider: 'openai', apiKey: OPENAI, source: 'user', teamId: null })
    expect(out.resolved.ref).toMatch(/^user:user-42\/openai@[0-9a-f]{8}$/)
    expect(out.platform).toMatchObject({ apiKey: PLATFORM_ANTHROPIC, source: 'platform', teamId: null })
    expect(out.missing).toMatchObject({ type: 'KeywardenNotFound', status: 404 })
    expect(out.bad_service_key).toMatchObject({ type: 'KeywardenAuthError', status: 401 })
    expect(out.no_scope).toMatchObject({ type: 'KeywardenAuthError', status: 403 })
    expect(out.no_scope.message).toContain('keywarden:resolve')
    expect(out.down).toMatchObject({ type: 'KeywardenUnavailable', status: 0 })

    // The server logged the resolves; its output holds no provider key and no issued key.
    const logs = `${server.stderr()}`
    expect(logs).toMatch(/byok\.resolve .*caller=key_\w+ owner=user-42 provider=openai outcome=returned/)
    expect(logs).toMatch(/provider=groq outcome="none stored"/)
    for (const secret of [OPENAI, PLATFORM_ANTHROPIC, service, user.key, byok.key, metered.key])
      expect(logs).not.toContain(secret)
  })
})
