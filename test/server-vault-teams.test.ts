/** The server's vault routes of issue #16: resolve with teams and sources, and POST /api/byok/:provider/check. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { loadServerConfig } from '../packages/server/src/index.js'
import { dashboardVault } from '../packages/server/src/vault-adapter.js'
import { memoryServer, TEST_SECRET } from './server-helpers.js'
import { type FakeProvider, startFakeProvider } from './support/fake-provider.js'

const GOOD = 'sk-proj-GoodAbCdEf0123456789AbCdEf01234'
const BAD = 'sk-proj-WrongAbCdEf0123456789AbCdEf0123'
const LIMITED = 'sk-proj-LimitedAbCdEf0123456789AbCdEf0'
const HANG = 'sk-proj-HangAbCdEf0123456789AbCdEf01234'
const TEAM_KEY = 'sk-proj-TeamAbCdEf0123456789AbCdEf01234'
const PLATFORM_KEY = 'sk-proj-PlatformAbCdEf0123456789AbCdEf0'

let fake: FakeProvider
beforeAll(async () => {
  fake = await startFakeProvider()
})
afterAll(async () => {
  await fake.close()
})

type Server = ReturnType<typeof memoryServer>
const post = (server: Server, path: string, key: string, body?: unknown) =>
  server.app.request(path, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

describe('POST /api/byok/resolve with teams and a platform key', () => {
  it('answers the source, ref and team, falls back per policy, and says why there is none', async () => {
    const server = memoryServer({
      logLevel: 'info',
      providers: { openai: { platformKey: PLATFORM_KEY }, anthropic: { fallback: [] } },
    })
    const resolver = (await server.warden.keys.create({ name: 'py', scopes: ['keywarden:resolve'] })).key
    await server.vault.for({ teamId: 'acme' }).set('openai', TEAM_KEY)
    const team = await post(server, '/api/byok/resolve', resolver, {
      ownerId: 'u1',
      provider: 'openai',
      teamIds: ['acme'],
    })
    expect(team.status).toBe(200)
    expect(await team.json()).toMatchObject({
      apiKey: TEAM_KEY,
      source: 'team',
      teamId: 'acme',
      ref: expect.stringMatching(/^team:acme\/openai@/),
    })
    const platform = await post(server, '/api/byok/resolve', resolver, { ownerId: 'u1', provider: 'openai' })
    expect(await platform.json()).toMatchObject({ apiKey: PLATFORM_KEY, source: 'platform', teamId: null })
    const closed = await post(server, '/api/byok/resolve', resolver, { ownerId: 'u1', provider: 'anthropic' })
    expect(closed.status).toBe(404)
    expect(await closed.json()).toMatchObject({ reason: 'MISSING' })
    const bad = await post(server, '/api/byok/resolve', resolver, {
      ownerId: 'u1',
      provider: 'openai',
      teamIds: [7],
    })
    expect(bad.status).toBe(400)
    const { items } = await server.store.listAudit({ action: 'secret.resolved', limit: 10 })
    expect(items.map((e) => e.detail?.source).sort()).toEqual(['none', 'platform', 'team'])
    const logged = server.lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'byok.resolve')
    expect(logged).toContainEqual(
      expect.objectContaining({ source: 'team', ref: expect.stringMatching(/^team:acme/) }),
    )
    const all = `${server.lines.join('\n')}${JSON.stringify(items)}`
    for (const key of [TEAM_KEY, PLATFORM_KEY]) expect(all).not.toContain(key)
  })
})

describe('POST /api/byok/:provider/check', () => {
  it('answers ok/status for 200, 401, 429 and a hanging provider, and never logs the key', async () => {
    const server = memoryServer({ logLevel: 'info', providers: { openai: { baseUrl: fake.baseUrl } } })
    const byok = (await server.warden.keys.create({ name: 'b', ownerId: 'u1', scopes: ['keywarden:byok'] }))
      .key
    const answers: Array<{ ok: boolean; status: number | null }> = []
    for (const apiKey of [GOOD, BAD, LIMITED]) {
      const got = await post(server, '/api/byok/openai/check', byok, { apiKey })
      expect(got.status).toBe(200)
      answers.push(await got.json())
    }
    expect(answers).toMatchObject([
      { ok: true, status: 200 },
      { ok: false, status: 401 },
      { ok: false, status: 429 },
    ])
    // The stored key (empty body); a hanging provider times out (the route's default 5 s is too
    // long for a test: the library test covers short timeouts, here the vault answers the same shape).
    const missing = await post(server, '/api/byok/openai/check', byok)
    expect(missing.status).toBe(404)
    await server.vault.for({ userId: 'u1' }).set('openai', GOOD)
    const stored = await post(server, '/api/byok/openai/check', byok)
    expect(await stored.json()).toMatchObject({ ok: true, status: 200 })
    const hung = await server.vault.check('openai', HANG, { timeoutMs: 100 })
    expect(hung).toMatchObject({ ok: false, status: null })
    const text = server.lines.join('\n')
    expect(text).toContain('byok.check')
    for (const key of [GOOD, BAD, LIMITED, HANG]) expect(text).not.toContain(key)
    expect(server.errors).toEqual([])
  })

  it('needs keywarden:byok and refuses a bad body; limits checks per caller (429)', async () => {
    const server = memoryServer({ providers: { openai: { baseUrl: fake.baseUrl } } })
    const other = (await server.warden.keys.create({ name: 'o', ownerId: 'u1', scopes: ['users:read'] })).key
    expect((await post(server, '/api/byok/openai/check', other, { apiKey: GOOD })).status).toBe(403)
    const byok = (await server.warden.keys.create({ name: 'b', ownerId: 'u1', scopes: ['keywarden:byok'] }))
      .key
    expect((await post(server, '/api/byok/openai/check', byok, { key: GOOD })).status).toBe(400)
    expect((await post(server, '/api/byok/nope/check', byok, { apiKey: GOOD })).status).toBe(400)
    const statuses: number[] = []
    for (let i = 0; i < 12; i++)
      statuses.push((await post(server, '/api/byok/openai/check', byok, { apiKey: GOOD })).status)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0)
    const limited = await post(server, '/api/byok/openai/check', byok, { apiKey: GOOD })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    // Another caller has its own allowance.
    const second = (await server.warden.keys.create({ name: 'c', ownerId: 'u2', scopes: ['keywarden:byok'] }))
      .key
    expect((await post(server, '/api/byok/openai/check', second, { apiKey: GOOD })).status).toBe(200)
  })
})

describe('KEYWARDEN_PROVIDERS and the dashboard adapter', () => {
  it('parses per-provider settings and refuses bad ones without echoing a platform key', () => {
    const env = (value: string) => ({ KEYWARDEN_SECRET: TEST_SECRET, KEYWARDEN_PROVIDERS: value })
    const config = loadServerConfig(
      env(JSON.stringify({ openai: { platformKey: PLATFORM_KEY, fallback: [] } })),
    )
    expect(config.providers).toEqual({ openai: { platformKey: PLATFORM_KEY, fallback: [] } })
    for (const bad of [
      `{"openai":{"platformKey":"${PLATFORM_KEY}"`,
      `{"openai":{"platformKey":"${PLATFORM_KEY}","apiKey":"x"}}`,
      `["${PLATFORM_KEY}"]`,
    ]) {
      let message = ''
      try {
        loadServerConfig(env(bad))
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        message = (error as Error).message
      }
      expect(message).toContain('KEYWARDEN_PROVIDERS')
      expect(message).not.toContain(PLATFORM_KEY)
    }
  })

  it("gives the provider cards each key's usage this month and tests the saved key", async () => {
    const server = memoryServer({ providers: { openai: { baseUrl: fake.baseUrl } } })
    const cards = dashboardVault(server.vault)
    await server.vault.for({ userId: 'admin' }).set('openai', GOOD, { monthlyBudgetMicros: 2_000_000 })
    const [saved] = await cards.list('admin')
    expect(saved?.usage).toMatchObject({ requests: 0, costMicros: 0, monthlyBudgetMicros: 2_000_000 })
    const { ref } = (await server.vault.for({ userId: 'admin' }).list())[0] as { ref: string }
    server.vault.recordUsage(ref, { requests: 3, costMicros: 1500 })
    expect((await cards.list('admin'))[0]?.usage).toMatchObject({ requests: 3, costMicros: 1500 })
    expect(await cards.check('admin', 'openai')).toMatchObject({ ok: true, status: 200 })
    expect(await cards.check('admin', 'anthropic')).toBeNull()
  })
})
