/** The server's service routes in-process: /api/verify, /api/byok/resolve and their OpenAPI entries. */
import { Validator } from '@seriousme/openapi-schema-validator'
import { beforeAll, describe, expect, it } from 'vitest'
import { StoreError } from '../packages/keywarden/src/index.js'
import { memoryServer } from './server-helpers.js'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'

const serviceServer = () => memoryServer({ logLevel: 'info' })

type Server = ReturnType<typeof serviceServer>

const post = (server: Server, path: string, key: string | null, body: unknown, type = 'application/json') =>
  server.app.request(path, {
    method: 'POST',
    headers: { ...(key ? { 'x-api-key': key } : {}), 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

describe('POST /api/verify on the server', () => {
  it('verifies any key for a caller with keywarden:verify or keywarden:admin, refuses others', async () => {
    const server = serviceServer()
    const { warden } = server
    const service = (await warden.keys.create({ name: 'svc', scopes: ['keywarden:verify'] })).key
    const admin = (await warden.keys.create({ name: 'admin', scopes: ['keywarden:admin'] })).key
    const byok = (await warden.keys.create({ name: 'byok', ownerId: 'u1', scopes: ['keywarden:byok'] })).key
    const user = (await warden.keys.create({ name: 'user key', ownerId: 'u1', scopes: ['users:read'] })).key
    for (const caller of [service, admin]) {
      const got = await post(server, '/api/verify', caller, { key: user, scopes: ['users:read'] })
      expect(got.status).toBe(200)
      expect(got.headers.get('cache-control')).toBe('no-store')
      expect(await got.json()).toMatchObject({ valid: true, code: 'VALID', key: { ownerId: 'u1' } })
    }
    expect((await post(server, '/api/verify', byok, { key: user })).status).toBe(403)
    expect((await post(server, '/api/verify', null, { key: user })).status).toBe(401)
    expect((await post(server, '/api/verify', service, { key: 7 })).status).toBe(400)
  })

  it('answers 503 when the key store is down', async () => {
    const server = serviceServer()
    const service = (await server.warden.keys.create({ name: 'svc', scopes: ['keywarden:verify'] })).key
    server.store.getKeyByHash = async () => {
      throw new StoreError('database is locked')
    }
    delete (server.store as { peekKeyByHash?: unknown }).peekKeyByHash
    const got = await post(server, '/api/verify', service, { key: service })
    expect(got.status).toBe(503)
    expect(server.errors).toHaveLength(1)
  })
})

describe('POST /api/byok/resolve on the server', () => {
  let server: Server
  let resolver: string
  let resolverId: string
  let byok: string
  let admin: string

  beforeAll(async () => {
    server = serviceServer()
    const { warden, vault } = server
    const created = await warden.keys.create({ name: 'py app', scopes: ['keywarden:resolve'] })
    resolver = created.key
    resolverId = created.record.id
    byok = (await warden.keys.create({ name: 'byok', ownerId: 'u1', scopes: ['keywarden:byok'] })).key
    admin = (await warden.keys.create({ name: 'admin', scopes: ['keywarden:admin'] })).key
    await vault.for({ userId: 'u1' }).set('openai', OPENAI, { ttlMs: 3_600_000 })
  })

  it("returns the owner's key with no-store to a key with keywarden:resolve or keywarden:admin", async () => {
    const expiresAt = (await server.vault.for({ userId: 'u1' }).list())[0]?.expiresAt?.toISOString()
    for (const caller of [resolver, admin]) {
      const got = await post(server, '/api/byok/resolve', caller, { ownerId: 'u1', provider: 'openai' })
      expect(got.status).toBe(200)
      expect(got.headers.get('cache-control')).toBe('no-store')
      expect(await got.json()).toEqual({
        provider: 'openai',
        apiKey: OPENAI,
        source: 'user',
        ref: expect.stringMatching(/^user:u1\/openai@[0-9a-f]{8}$/),
        teamId: null,
        expiresAt,
      })
    }
  })

  it('refuses a key without the scope (403), no key (401), and a missing key (404)', async () => {
    const body = { ownerId: 'u1', provider: 'openai' }
    // keywarden:byok is the owner's own access, not another service's.
    const forbidden = await post(server, '/api/byok/resolve', byok, body)
    expect(forbidden.status).toBe(403)
    expect(await forbidden.json()).toMatchObject({ missingScopes: ['keywarden:resolve', 'keywarden:admin'] })
    expect((await post(server, '/api/byok/resolve', null, body)).status).toBe(401)
    expect((await post(server, '/api/byok/resolve', 'kw_nonsense', body)).status).toBe(401)
    for (const missing of [
      { ownerId: 'u1', provider: 'anthropic' },
      { ownerId: 'u2', provider: 'openai' },
    ]) {
      const got = await post(server, '/api/byok/resolve', resolver, missing)
      expect(got.status).toBe(404)
      expect(got.headers.get('content-type')).toContain('application/problem+json')
      expect(await got.text()).not.toContain(OPENAI)
    }
  })

  it('answers 400 per bad field, 415 to a body not sent as JSON', async () => {
    const fields = async (body: unknown) => {
      const got = await post(server, '/api/byok/resolve', resolver, body)
      expect(got.status).toBe(400)
      return ((await got.json()).errors as Array<{ field: string }>).map((e) => e.field).sort()
    }
    expect(await fields({})).toEqual(['ownerId', 'provider'])
    expect(await fields({ ownerId: 'u1', provider: 'openai', apiKey: 'x' })).toEqual(['apiKey'])
    expect(await fields({ ownerId: 'u1', provider: 'Open AI' })).toEqual(['provider'])
    expect(await fields('[1]')).toEqual(['body'])
    const form = await post(server, '/api/byok/resolve', resolver, 'ownerId=u1', 'text/plain')
    expect(form.status).toBe(415)
  })

  it('leaves the owner BYOK routes to keywarden:byok keys', async () => {
    const got = await server.app.request('/api/byok/openai', {
      method: 'PUT',
      headers: { 'x-api-key': resolver, 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: OPENAI }),
    })
    expect(got.status).toBe(403)
  })

  it('logs each resolve (caller key id, owner, provider, outcome), never the value', () => {
    const resolves = server.lines.map((line) => JSON.parse(line)).filter((e) => e.msg === 'byok.resolve')
    const seen = resolves.map(({ caller, owner, provider, outcome }) => ({
      caller,
      owner,
      provider,
      outcome,
    }))
    expect(seen).toContainEqual({ caller: resolverId, owner: 'u1', provider: 'openai', outcome: 'returned' })
    expect(seen).toContainEqual({
      caller: resolverId,
      owner: 'u2',
      provider: 'openai',
      outcome: 'none stored',
    })
    expect(seen).toContainEqual({
      caller: resolverId,
      owner: 'u1',
      provider: 'Open AI',
      outcome: 'invalid request',
    })
    // Refused callers (401/403) and unreadable bodies never reach the vault: not logged.
    expect(resolves.filter((e) => e.outcome === 'returned')).toHaveLength(2)
    expect(resolves).toHaveLength(5)
    expect(server.lines.join('\n')).not.toContain(OPENAI)
  })
})

describe('the server OpenAPI document', () => {
  it('is valid and lists /api/verify and /api/byok/resolve with examples', async () => {
    const doc = await (await serviceServer().app.request('/openapi.json')).json()
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/verify', '/api/byok/resolve']))
    expect(
      doc.paths['/api/verify'].post.responses['200'].content['application/json'].examples.valid,
    ).toBeDefined()
    expect(
      doc.paths['/api/byok/resolve'].post.responses['200'].content['application/json'].examples,
    ).toBeDefined()
  })
})
