import fc from 'fast-check'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { readKey } from '../packages/keywarden/src/http/core.js'
import * as expressKw from '../packages/keywarden/src/http/express.js'
import * as fastifyKw from '../packages/keywarden/src/http/fastify.js'
import * as honoKw from '../packages/keywarden/src/http/hono.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { generateKey } from '../packages/keywarden/src/keys/format.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'

const warden = createKeywarden({ store: memoryStore(), prefix: 'kwp', lastUsed: false })
const valid = (await warden.keys.create({ name: 'p', scopes: ['users:read'] })).key

/** A Request whose headers may hold what the fetch API refuses (NUL, CR, code points > 255). */
function rawRequest(url: string, headers: Record<string, string>, init: RequestInit = {}): Request {
  const request = new Request(url, init)
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  Object.defineProperty(request, 'headers', {
    value: { get: (n: string) => lower.get(n.toLowerCase()) ?? null, has: (n: string) => lower.has(n) },
  })
  return request
}

describe('readKey', () => {
  it('takes X-API-Key or a Bearer token, and refuses two different ones', () => {
    expect(readKey(null, null)).toBeNull()
    expect(readKey('', undefined)).toBeNull()
    expect(readKey(' k ', null)).toBe('k')
    expect(readKey(null, 'Bearer k')).toBe('k')
    expect(readKey(null, 'BEARER k')).toBe('k')
    expect(readKey(null, 'Basic k')).toBeNull()
    expect(readKey(null, 'Bearer')).toBe('')
    expect(readKey(null, 'Bearerk')).toBe('')
    expect(readKey(null, ['Bearer k', 'Bearer k'])).toBe('')
    expect(readKey('k', 'Bearer k')).toBe('k')
    expect(readKey('k', 'Bearer j')).toBe('')
  })

  it('never returns something other than null or a string, for any input', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'binary' })),
        fc.option(fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string(), { maxLength: 3 }))),
        (apiKey, authorization) => {
          const key = readKey(apiKey, authorization)
          return key === null || typeof key === 'string'
        },
      ),
    )
  })
})

describe('hostile input through apiKeyAuth and the management routes (Hono, in-process)', () => {
  const rejects: string[] = []
  const app = new Hono()
  app.get('/p', honoKw.apiKeyAuth({ warden, onReject: ({ code }) => rejects.push(code) }), (c) =>
    c.text('in'),
  )
  app.route(
    '/keys',
    honoKw.managementRoutes({ warden, authorize: () => ({ admin: true }), onError: () => {} }),
  )

  it('any header value other than the key itself is a 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 600 }),
          // well-formed keys that were never issued
          fc.nat().map(() => generateKey('kwp').key),
          // the valid key with one character changed, or with something around it
          fc
            .tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...'0aZ_\u0000é ,'))
            .map(([i, ch]) => `${valid.slice(0, i)}${ch}${valid.slice(i + 1)}`),
          fc
            .tuple(fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 4 }))
            .map(([a, b]) => `${a}${valid}${b}`),
        ),
        fc.constantFrom('x-api-key', 'authorization'),
        fc.boolean(),
        async (raw, header, asBearer) => {
          const value = asBearer ? `Bearer ${raw}` : raw
          fc.pre(raw.trim() !== valid)
          const response = await app.fetch(rawRequest('http://x/p', { [header]: value }))
          expect(response.status).toBe(401)
          expect(response.headers.get('www-authenticate')).toBe('ApiKey')
        },
      ),
      { numRuns: 300 },
    )
    expect(new Set(rejects)).toEqual(new Set(['MISSING', 'MALFORMED', 'NOT_FOUND']))
  })

  it('any JSON body to POST /keys is a 201 or a 400 listing fields, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              name: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
              scopes: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
              ownerId: fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null), fc.jsonValue()),
              metadata: fc.jsonValue(),
              expiresAt: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          const response = await app.request('/keys', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
          expect([201, 400]).toContain(response.status)
          if (response.status === 400) expect((await response.json()).errors.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('requireScopes with a scope hierarchy', () => {
  it('asks the warden when the key only implies the scope', async () => {
    const ranked = createKeywarden({
      store: memoryStore(),
      prefix: 'kwh',
      lastUsed: false,
      scopes: { hierarchy: { 'admin:all': ['users:write', 'billing:read'] } },
    })
    const boss = (await ranked.keys.create({ name: 'boss', scopes: ['admin:all'] })).key
    const clerk = (await ranked.keys.create({ name: 'clerk', scopes: ['users:read'] })).key
    const app = new Hono()
    app.get('/w', honoKw.apiKeyAuth({ warden: ranked }), honoKw.requireScopes('users:write'), (c) =>
      c.text('ok'),
    )
    app.get(
      '/any',
      honoKw.apiKeyAuth({ warden: ranked }),
      honoKw.requireAnyScope('billing:read', 'x:y'),
      (c) => c.text('ok'),
    )
    expect((await app.request('/w', { headers: { 'x-api-key': boss } })).status).toBe(200)
    expect((await app.request('/any', { headers: { 'x-api-key': boss } })).status).toBe(200)
    const refused = await app.request('/w', { headers: { 'x-api-key': clerk } })
    expect(refused.status).toBe(403)
    expect((await refused.json()).missingScopes).toEqual(['users:write'])
  })
})

describe.each([
  ['hono', honoKw],
  ['express', expressKw],
  ['fastify', fastifyKw],
] as const)('options are checked at once on %s', (_name, kw) => {
  const vault = { for: () => ({}) } as any
  const identify = () => null
  it.each([
    ['apiKeyAuth without a warden', () => kw.apiKeyAuth({} as any)],
    ['a header that is not a header name', () => kw.apiKeyAuth({ warden, header: 'x api key' })],
    ['Authorization as the header', () => kw.apiKeyAuth({ warden, header: 'Authorization' })],
    ['a non-boolean optional', () => kw.apiKeyAuth({ warden, optional: 'yes' as any })],
    ['requireScopes without scopes', () => kw.requireScopes()],
    ['requireAnyScope with a bad scope', () => kw.requireAnyScope('users')],
    ['managementRoutes with a bad authorize', () => kw.managementRoutes({ warden, authorize: 5 as any })],
    ['byokRoutes without a vault', () => kw.byokRoutes({ vault: {} as any, identify })],
    ['byokRoutes without identify', () => kw.byokRoutes({ vault, identify: undefined as any })],
    ['requireProviderKey with a bad id', () => kw.requireProviderKey('Open AI', { vault, identify })],
    ['requireAnyProviderKey with none', () => kw.requireAnyProviderKey([], { vault, identify })],
    [
      'an addKeyUrl with spaces',
      () => kw.requireProviderKey('openai', { vault, identify, addKeyUrl: 'a b' }),
    ],
    ['a negative trustProxy', () => kw.requireHttps({ trustProxy: -1 })],
  ])('%s is a ConfigError', (_label, make) => {
    expect(make).toThrow(ConfigError)
  })

  it('returns named handlers', () => {
    expect(kw.requireScopes('a:b').name).toBe('requireScopes')
    expect(kw.requireHttps().name).toBe('requireHttps')
    expect(kw.requireProviderKey('openai', { vault, identify }).name).toBe('requireProviderKey')
  })
})
