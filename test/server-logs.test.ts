/**
 * The operator log of the server: a realistic session (sign-in, management, verify, BYOK, resolve,
 * refusals) with the logger writing to memory; every line is scanned for secrets, each refused
 * request has exactly one line with its fields, and every response echoes its X-Request-Id.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { generateKey } from '../packages/keywarden/src/index.js'
import { createLogger } from '../packages/server/src/log/logger.js'
import { textLine } from '../packages/server/src/log/text.js'
import { Browser, memoryServer, TEST_SECRET } from './server-helpers.js'

const OPENAI = 'sk-proj-Lg7Hq2Wc9Xv4Rt6Yp1Zs3Bn5Mk8Jd0Fa'
const ORIGIN = 'http://127.0.0.1:3000'

type Entry = Record<string, unknown> & { reqId: string; msg: string; level: string }

async function loggedServer() {
  const server = memoryServer({ logLevel: 'debug' })
  const entries = () => server.lines.map((line) => JSON.parse(line) as Entry)
  return { ...server, entries }
}

describe('the server log', () => {
  let server: Awaited<ReturnType<typeof loggedServer>>
  const secrets: string[] = [OPENAI, TEST_SECRET]
  /** Request id sent → what the one line for it must hold. */
  const refused = new Map<string, Record<string, unknown>>()
  const echoed: Array<[sent: string | null, got: string | null]> = []
  let counter = 0
  let ids: Record<string, string>

  async function call(
    path: string,
    init: { method?: string; key?: string; bearer?: string; type?: string; body?: string } = {},
  ) {
    const reqId = `t-${++counter}`
    const headers: Record<string, string> = { 'x-request-id': reqId }
    if (init.key) headers['x-api-key'] = init.key
    if (init.bearer) headers.authorization = `Bearer ${init.bearer}`
    if (init.type) headers['content-type'] = init.type
    const res = await server.app.request(`${ORIGIN}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body,
    })
    echoed.push([reqId, res.headers.get('x-request-id')])
    return { res, reqId }
  }
  const json = (method: string, path: string, key: string | undefined, body: unknown) =>
    call(path, { method, key, type: 'application/json', body: JSON.stringify(body) })

  /** Sends a request that must be refused with `status`, and notes what its line must say. */
  async function refuse(
    status: number,
    expected: Record<string, unknown>,
    sent: Promise<{ res: Response; reqId: string }>,
  ) {
    const { res, reqId } = await sent
    expect(res.status).toBe(status)
    refused.set(reqId, { status, ...expected })
  }

  beforeAll(async () => {
    server = await loggedServer()
    const { warden } = server
    const admin = await warden.keys.create({ name: 'admin', scopes: ['keywarden:admin'] })
    secrets.push(admin.key)

    // The dashboard: a failed and a good sign-in, then a key created there.
    const browser = new Browser(server.app)
    const badSignIn = await browser.signIn('kw_nonsense')
    expect(badSignIn.status).toBe(401)
    echoed.push([null, badSignIn.headers.get('x-request-id')])
    refused.set(badSignIn.headers.get('x-request-id') as string, {
      status: 401,
      code: 'MALFORMED',
      route: '/login',
    })
    expect((await browser.signIn(admin.key)).status).toBe(303)
    const csrf = await browser.csrfToken()
    const made = await browser.request('/dashboard/keys', {
      form: { _csrf: csrf, name: 'from dashboard', scopes: 'users:read', expiry: '30d' },
      headers: { 'hx-request': 'true' },
    })
    expect(made.status).toBe(200)
    secrets.push(...[...browser.cookies.values()], csrf)

    // Management over the API.
    const create = async (body: Record<string, unknown>) => {
      const { res } = await json('POST', '/api/keys', admin.key, body)
      expect(res.status).toBe(201)
      const created = (await res.json()) as { key: string; record: { id: string } }
      secrets.push(created.key)
      return created
    }
    const user = await create({ name: 'user', ownerId: 'u1', scopes: ['users:read'] })
    const service = await create({ name: 'service', scopes: ['keywarden:verify'] })
    const byok = await create({ name: 'byok', ownerId: 'u1', scopes: ['keywarden:byok'] })
    const resolver = await create({ name: 'resolver', scopes: ['keywarden:resolve'] })
    const doomed = await create({ name: 'doomed', ownerId: 'u1' })
    ids = {
      admin: admin.record.id,
      user: user.record.id,
      service: service.record.id,
      byok: byok.record.id,
      resolver: resolver.record.id,
      doomed: doomed.record.id,
    }
    expect(
      (await call(`/api/keys/${doomed.record.id}/revoke`, { method: 'POST', key: admin.key })).res.status,
    ).toBe(200)
    const patched = await json('PATCH', `/api/keys/${user.record.id}`, admin.key, { name: 'user app' })
    expect(patched.res.status).toBe(200)

    // Verify as a service: a good key, a revoked one; both answer 200.
    for (const key of [user.key, doomed.key]) {
      const { res } = await call('/api/verify', {
        method: 'POST',
        bearer: service.key,
        type: 'application/json',
        body: JSON.stringify({ key, scopes: ['users:read'] }),
      })
      expect(res.status).toBe(200)
    }

    // BYOK put and resolve.
    expect((await json('PUT', '/api/byok/openai', byok.key, { apiKey: OPENAI })).res.status).toBe(200)
    const resolved = await json('POST', '/api/byok/resolve', resolver.key, {
      ownerId: 'u1',
      provider: 'openai',
    })
    expect(resolved.res.status).toBe(200)
    expect(await resolved.res.text()).toContain(OPENAI)

    // Refusals: each verify code the server can meet, and 401/403/413/415.
    const unknown = generateKey('kw').key
    secrets.push(unknown)
    await refuse(401, { code: 'MISSING', route: '/api/demo' }, call('/api/demo'))
    await refuse(401, { code: 'MALFORMED', route: '/api/demo' }, call('/api/demo', { key: 'not-a-key' }))
    await refuse(401, { code: 'NOT_FOUND', route: '/api/demo' }, call('/api/demo', { key: unknown }))
    await refuse(
      401,
      { code: 'REVOKED', keyId: doomed.record.id, route: '/api/demo' },
      call('/api/demo', { bearer: doomed.key }),
    )
    await refuse(
      401,
      { code: 'INSUFFICIENT_SCOPES', keyId: user.record.id, route: '/api/keys' },
      call('/api/keys', { key: user.key }),
    )
    await refuse(
      403,
      { code: 'INSUFFICIENT_SCOPES', keyId: resolver.record.id, route: '/api/byok/:provider' },
      json('PUT', '/api/byok/openai', resolver.key, { apiKey: OPENAI }),
    )
    await refuse(
      403,
      { code: 'INSUFFICIENT_SCOPES', keyId: user.record.id, route: '/api/verify' },
      json('POST', '/api/verify', user.key, { key: user.key }),
    )
    await refuse(
      413,
      { code: 'TOO_LARGE', route: '/api/keys' },
      json('POST', '/api/keys', admin.key, { name: 'x'.repeat(300_000) }),
    )
    await refuse(
      415,
      { code: 'UNSUPPORTED_MEDIA_TYPE', route: '/api/keys' },
      call('/api/keys', { method: 'POST', key: admin.key, type: 'text/plain', body: `name=${OPENAI}` }),
    )
    await refuse(
      400,
      { code: 'INVALID_REQUEST', route: '/api/verify' },
      json('POST', '/api/verify', service.key, { key: 42 }),
    )

    // Hashes and ciphertexts of everything stored: none may reach a line either.
    const page = await server.store.listKeys({ limit: 100 })
    secrets.push(...page.items.map((k) => k.hash))
    secrets.push(...(await server.store.listSecrets('user:u1')).map((s) => s.ciphertext))
  })

  it('never writes a key, hash, provider key, secret or cookie', () => {
    expect(server.lines.length).toBeGreaterThan(20)
    const leaks = secrets.filter(
      (secret) => secret.length >= 8 && server.lines.some((l) => l.includes(secret)),
    )
    expect(leaks).toEqual([])
  })

  it('echoes the request id on every response, and generates one when none (or an unusable one) is sent', async () => {
    for (const [sent, got] of echoed) {
      if (sent) expect(got).toBe(sent)
      else expect(got).toMatch(/^[0-9a-f-]{36}$/)
    }
    for (const bad of ['has spaces', 'x'.repeat(129), 'semi;colon']) {
      const res = await server.app.request('/healthz', { headers: { 'x-request-id': bad } })
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    }
    const notFound = await server.app.request('/api/nothing', { headers: { 'x-request-id': 'trace-1.2:3' } })
    expect(notFound.headers.get('x-request-id')).toBe('trace-1.2:3')
    // Every line of a request carries its id.
    expect(server.entries().every((e) => typeof e.reqId === 'string' && e.reqId.length > 0)).toBe(true)
  })

  it('writes exactly one line per refused request, with code, key, route, request id and client', () => {
    const entries = server.entries()
    expect(refused.size).toBe(11)
    for (const [reqId, expected] of refused) {
      const mine = entries.filter((e) => e.reqId === reqId)
      expect(mine, reqId).toHaveLength(1)
      expect(mine[0]).toMatchObject({ msg: 'refused', level: 'info', ...expected })
      expect(mine[0]).toHaveProperty('client')
      expect(mine[0]).toHaveProperty('method')
      if ('keyId' in expected) expect(String(mine[0]?.keyStart)).toMatch(/^kw_/)
    }
    // No other request of the session was logged as refused (the 404 probe of the test above aside).
    const others = entries.filter((e) => e.msg === 'refused' && !refused.has(e.reqId))
    expect(others.map((e) => [e.route, e.code])).toEqual(
      others.length === 0 ? [] : [['/api/nothing', 'NOT_FOUND']],
    )
  })

  it('writes one line per change: who, what, which target', () => {
    const changes = server.entries().filter((e) => /^(key|byok)\./.test(e.msg))
    const seen = changes.map(({ msg, caller, target, owner, provider }) => ({
      msg,
      caller,
      target,
      owner,
      provider,
    }))
    expect(seen.filter((c) => c.msg === 'key.create' && c.caller === ids.admin)).toHaveLength(6)
    expect(seen).toContainEqual(
      expect.objectContaining({ msg: 'key.revoke', caller: ids.admin, target: ids.doomed }),
    )
    expect(seen).toContainEqual(
      expect.objectContaining({ msg: 'key.update', caller: ids.admin, target: ids.user }),
    )
    expect(seen).toContainEqual(
      expect.objectContaining({ msg: 'byok.put', caller: ids.byok, owner: 'u1', provider: 'openai' }),
    )
    expect(changes.find((c) => c.msg === 'byok.resolve')).toMatchObject({
      level: 'info',
      caller: ids.resolver,
      owner: 'u1',
      provider: 'openai',
      outcome: 'returned',
    })
    expect(changes.every((c) => c.level === 'info')).toBe(true)
  })

  it('logs a refused verification at info, a valid one at debug, both naming the service', () => {
    const verifies = server.entries().filter((e) => e.msg === 'verify')
    expect(verifies.map(({ level, code, keyId, caller }) => ({ level, code, keyId, caller }))).toEqual([
      { level: 'debug', code: 'VALID', keyId: ids.user, caller: ids.service },
      { level: 'info', code: 'REVOKED', keyId: ids.doomed, caller: ids.service },
    ])
  })
})

describe('the log format', () => {
  const line = JSON.stringify({
    level: 'info',
    time: '2030-01-02T03:04:05.678Z',
    msg: 'refused',
    reqId: 'abc',
    route: '/api/demo',
    status: 401,
    code: 'REVOKED',
    outcome: 'none stored',
  })

  it('is one readable text line in development', () => {
    expect(textLine(line)).toBe(
      '03:04:05.678 INFO  refused reqId=abc route=/api/demo status=401 code=REVOKED outcome="none stored"\n',
    )
  })

  it('writes JSON lines or text as asked, at the level asked', () => {
    const json: string[] = []
    const text: string[] = []
    createLogger({ json: true, write: (l) => json.push(l) }).info({ reqId: 'r1' }, 'refused')
    const dev = createLogger({ level: 'warn', write: (l) => text.push(l) })
    dev.info({ reqId: 'r2' }, 'dropped')
    dev.warn({ reqId: 'r3' }, 'failed')
    expect(JSON.parse(json[0] as string)).toMatchObject({ level: 'info', msg: 'refused', reqId: 'r1' })
    expect(json[0]?.endsWith('\n')).toBe(true)
    expect(text).toHaveLength(1)
    expect(text[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}failed reqId=r3\n$/)
  })
})
