import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { generateKey } from '../packages/keywarden/src/keys/format.js'
import {
  ADD_KEY_URL,
  type Client,
  capturing,
  drivers,
  type Fixture,
  makeFixture,
  type Sent,
} from './http-fixtures.js'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'
const GROQ = 'gsk_Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2'
const PROBLEM = 'application/problem+json'

const key = (value: string): Sent => ({ headers: [['X-API-Key', value]] })
const bearer = (value: string): Sent => ({ headers: [['Authorization', `Bearer ${value}`]] })
const as = (user: string, sent: Sent = {}): Sent => ({
  ...sent,
  headers: [['x-user', user], ...(sent.headers ?? [])],
})

describe.each(drivers)('HTTP matrix on $name', (driver) => {
  let fx: Fixture
  let client: Client
  const logs: string[] = []
  const spies: Array<ReturnType<typeof vi.spyOn>> = []

  beforeAll(async () => {
    for (const method of ['log', 'warn', 'error', 'info', 'debug'] as const) {
      spies.push(
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          logs.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '))
        }),
      )
    }
    fx = await makeFixture()
    client = capturing(await driver.start(fx), fx.captured)
  })

  afterAll(async () => {
    await client?.close()
    for (const spy of spies) spy.mockRestore()
    await fx?.warden.close()
  })

  /** Requests as admin (authorize says x-user: root) and remembers keys it is handed. */
  async function admin(path: string, sent: Sent = {}) {
    const got = await client.request(path, as('root', sent))
    if (got.status === 201) fx.secrets.add(got.json().key)
    return got
  }

  function expectUnauthorized(got: { status: number; headers: Record<string, string>; text: string }) {
    expect(got.status).toBe(401)
    expect(got.headers['www-authenticate']).toBe('ApiKey')
    expect(got.headers['content-type']).toContain(PROBLEM)
  }

  describe('apiKeyAuth', () => {
    it('accepts a valid key from X-API-Key and from Authorization: Bearer, and exposes the record', async () => {
      const aliceId = fx.aliceKeyId
      for (const sent of [
        key(fx.keys.alice),
        bearer(fx.keys.alice),
        { headers: [['authorization', `bearer ${fx.keys.alice}`]] } as Sent,
      ]) {
        const got = await client.request('/protected', sent)
        expect(got.status).toBe(200)
        expect(got.json()).toEqual({ id: aliceId })
      }
      const both = await client.request('/protected', {
        headers: [
          ['X-API-Key', fx.keys.alice],
          ['Authorization', `Bearer ${fx.keys.alice}`],
        ],
      })
      expect(both.status).toBe(200)
    })

    it('reads a custom header and ignores Bearer when bearer is false', async () => {
      expect((await client.request('/custom', { headers: [['x-custom-key', fx.keys.reader]] })).status).toBe(
        200,
      )
      expectUnauthorized(await client.request('/custom', bearer(fx.keys.reader)))
      expectUnauthorized(await client.request('/custom', key(fx.keys.reader)))
    })

    it('answers missing, malformed, unknown, expired and revoked keys with one identical 401', async () => {
      const before = fx.captured.rejects.length
      const unknown = generateKey('kwt').key
      fx.secrets.add(unknown)
      const answers = [await client.request('/protected')]
      answers.push(await client.request('/protected', key('kwt_not-a-key')))
      answers.push(await client.request('/protected', key(unknown)))
      const start = fx.clock.now
      fx.clock.now = new Date(start.getTime() + 61_000)
      try {
        answers.push(await client.request('/protected', key(fx.keys.expiring)))
      } finally {
        fx.clock.now = start
      }
      answers.push(await client.request('/protected', bearer(fx.keys.revoked)))
      for (const got of answers) {
        expectUnauthorized(got)
        expect(got.text).toBe(answers[0]?.text)
        expect(got.headers['content-type']).toBe(answers[0]?.headers['content-type'])
      }
      expect(answers[0]?.json()).toMatchObject({ status: 401, title: 'Unauthorized' })
      const codes = fx.captured.rejects.slice(before).map((r) => r.code)
      expect(codes).toEqual(['MISSING', 'MALFORMED', 'NOT_FOUND', 'EXPIRED', 'REVOKED'])
      expect(fx.captured.rejects.slice(before).every((r) => r.status === 401)).toBe(true)
      // the expiring key still works at its own time: the refusal above came from the clock
      expect((await client.request('/protected', key(fx.keys.expiring))).status).toBe(200)
    })

    it('refuses hostile headers with 401, never 500', async () => {
      const valid = fx.keys.alice
      const cases: Sent[] = [
        key('k'.repeat(8 * 1024)),
        bearer(`kwt_${'A'.repeat(8 * 1024)}`),
        key(`${valid}\u0000`),
        key(`${valid.slice(0, -1)}\u00e9`),
        key('\u00ff\u00fe\u00e9\u00e8'),
        {
          headers: [
            ['X-API-Key', valid],
            ['X-API-Key', valid],
          ],
        },
        {
          headers: [
            ['Authorization', `Bearer ${valid}`],
            ['Authorization', `Bearer ${valid}`],
          ],
        },
        {
          headers: [
            ['Authorization', `Bearer ${valid}`],
            ['Authorization', 'Bearer kwt_other'],
          ],
        },
        {
          headers: [
            ['X-API-Key', valid],
            ['Authorization', `Bearer ${fx.keys.bob}`],
          ],
        },
        { headers: [['Authorization', 'Bearer ']] },
        { headers: [['Authorization', `Basic ${Buffer.from(`u:${valid}`).toString('base64')}`]] },
      ]
      for (const sent of cases) {
        const nul = (sent.headers ?? []).some(([, v]) => v.includes('\u0000'))
        const got = await client.request('/protected', sent)
        if (driver.transport === 'socket' && nul) {
          // Node's own HTTP parser refuses a NUL byte with 400 before any app code runs.
          expect(got.status).toBe(400)
        } else {
          expectUnauthorized(got)
        }
        // With the lenient parser the bytes do reach the middleware (a no-op for Hono and Fastify).
        const lenient = await client.request('/protected', { ...sent, lenientParser: true })
        if (lenient.status !== 401)
          throw new Error(`${lenient.status} ${lenient.text} for ${JSON.stringify(sent).slice(0, 100)}`)
        expectUnauthorized(lenient)
      }
    })

    it('answers 429 with Retry-After and RateLimit-* over a rate limit, and 402 without credits', async () => {
      expect((await client.request('/protected', key(fx.keys.limited))).status).toBe(200)
      const limited = await client.request('/protected', key(fx.keys.limited))
      expect(limited.status).toBe(429)
      expect(limited.headers['content-type']).toContain(PROBLEM)
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120)
      expect(limited.headers['ratelimit-limit']).toBe('1')
      expect(limited.headers['ratelimit-remaining']).toBe('0')
      expect(Number(limited.headers['ratelimit-reset'])).toBeGreaterThan(0)
      const broke = await client.request('/protected', key(fx.keys.broke))
      expect(broke.status).toBe(402)
      expect(broke.json()).toMatchObject({ status: 402 })
      expect(fx.captured.rejects.slice(-2).map((r) => r.code)).toEqual(['RATE_LIMITED', 'USAGE_EXCEEDED'])
    })

    it('with optional lets requests without a key through but still refuses a bad key', async () => {
      const none = await client.request('/optional')
      expect(none.status).toBe(200)
      expect(none.json()).toEqual({ id: null })
      expectUnauthorized(await client.request('/optional', key('kwt_bad')))
      expect((await client.request('/optional', key(fx.keys.alice))).json()).toEqual({ id: fx.aliceKeyId })
    })

    it('answers 503 when the store fails, without details, and reports the error to onReject only', async () => {
      for (const path of ['/broken', '/crashing']) {
        const before = fx.captured.rejects.length
        const got = await client.request(path, key(fx.keys.alice))
        expect(got.status).toBe(503)
        expect(got.headers['content-type']).toContain(PROBLEM)
        expect(got.headers['retry-after']).toBeDefined()
        expect(got.text).not.toMatch(/ECONNREFUSED|PostgreSQL|rows|at |Error/)
        const reject = fx.captured.rejects[before]
        expect(reject?.code).toBe('STORE_UNAVAILABLE')
        expect(reject?.error).toBeInstanceOf(Error)
      }
    })
  })

  describe('scope guards', () => {
    it('requireScopes passes a key with every scope (wildcards count) and names the missing ones', async () => {
      expect((await client.request('/scoped-all', key(fx.keys.writer))).status).toBe(200)
      const got = await client.request('/scoped-all', key(fx.keys.reader))
      expect(got.status).toBe(403)
      expect(got.headers['content-type']).toContain(PROBLEM)
      expect(got.json()).toMatchObject({ status: 403, missingScopes: ['users:write'] })
      expect(got.json().detail).toContain('users:write')
      expectUnauthorized(await client.request('/scoped-all'))
    })

    it('requireAnyScope passes a key with one of the scopes', async () => {
      expect((await client.request('/scoped-any', key(fx.keys.writer))).status).toBe(200)
      const got = await client.request('/scoped-any', key(fx.keys.reader))
      expect(got.status).toBe(403)
      expect(got.json().missingScopes).toEqual(['billing:read', 'admin:read'])
    })
  })

  describe('management routes', () => {
    const routes = (id: string): Array<[string, string, unknown?]> => [
      ['POST', '', { name: 'x' }],
      ['GET', ''],
      ['GET', `/${id}`],
      ['PATCH', `/${id}`, { name: 'y' }],
      ['POST', `/${id}/revoke`],
      ['POST', `/${id}/roll`, {}],
      ['DELETE', `/${id}`],
    ]

    it('are closed by default: 401 on every route without authorize or an admin key', async () => {
      for (const [method, path, body] of routes(fx.aliceKeyId)) {
        for (const base of ['/closed', '/keys']) {
          expectUnauthorized(await client.request(`${base}${path}`, { method, body }))
          expectUnauthorized(await client.request(`${base}${path}`, { ...key(fx.keys.reader), method, body }))
          expectUnauthorized(await client.request(`${base}${path}`, { ...key('kwt_garbage'), method, body }))
        }
      }
      expect((await fx.warden.keys.get(fx.aliceKeyId))?.revokedAt).toBeNull()
    })

    it('let a key with keywarden:admin in without authorize', async () => {
      const got = await client.request('/closed', {
        ...bearer(fx.keys.admin),
        method: 'POST',
        body: { name: 'by-admin-key' },
      })
      expect(got.status).toBe(201)
      fx.secrets.add(got.json().key)
      const list = await client.request('/closed?limit=100', key(fx.keys.admin))
      expect(list.status).toBe(200)
      expect(list.json().items.length).toBeGreaterThan(5)
    })

    it('create shows the plaintext once with no-store; records have ISO dates and no hash', async () => {
      const got = await admin('/keys', {
        method: 'POST',
        body: {
          name: 'ci',
          ownerId: 'team',
          scopes: ['users:read'],
          metadata: { a: 1 },
          expiresAt: '2027-01-01T00:00:00Z',
        },
      })
      expect(got.status).toBe(201)
      expect(got.headers['cache-control']).toBe('no-store')
      expect(got.headers['content-type']).toContain('application/json')
      const { key: plaintext, record } = got.json()
      expect(plaintext).toMatch(/^kwt_[0-9A-Za-z]+$/)
      expect(record).toMatchObject({
        name: 'ci',
        ownerId: 'team',
        scopes: ['users:read'],
        metadata: { a: 1 },
        expiresAt: '2027-01-01T00:00:00.000Z',
        revokedAt: null,
      })
      expect(record.createdAt).toBe(fx.clock.now.toISOString())
      expect(record).not.toHaveProperty('hash')
      expect(JSON.stringify(record)).not.toContain(plaintext)
      expect((await client.request('/protected', key(plaintext))).status).toBe(200)
      const fetched = await admin(`/keys/${record.id}`)
      expect(fetched.status).toBe(200)
      expect(fetched.json()).toEqual(record)
      expect(fetched.text).not.toContain(plaintext)
    })

    it('validate bodies and list every bad field in a 400 problem', async () => {
      const bad = await admin('/keys', {
        method: 'POST',
        body: { name: '', scopes: 'users:read', expiresAt: 'someday', metadata: [1], extra: true },
      })
      expect(bad.status).toBe(400)
      expect(bad.headers['content-type']).toContain(PROBLEM)
      const fields = bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort()
      expect(fields).toEqual(['expiresAt', 'extra', 'metadata', 'name', 'scopes'])
      for (const e of bad.json().errors) expect(e.detail).toEqual(expect.any(String))
      const missingName = await admin('/keys', { method: 'POST', body: {} })
      expect(missingName.json().errors.map((e: { field: string }) => e.field)).toEqual(['name'])
      for (const body of ['{not json', '[1,2]', '"text"', '']) {
        const got = await admin('/keys', {
          method: 'POST',
          body,
          headers: [['content-type', 'application/json']],
        })
        expect(got.status).toBe(400)
        expect(got.json().errors[0].field).toBe('body')
      }
      const huge = JSON.stringify({ name: 'big', metadata: { blob: 'x'.repeat(300 * 1024) } })
      for (const path of ['/keys', '/closed']) {
        const got = await client.request(path, { method: 'POST', body: huge })
        expect(got.status).toBe(413)
        expect(got.headers['content-type']).toContain(PROBLEM)
      }
      const past = await admin('/keys', {
        method: 'POST',
        body: { name: 'old', expiresAt: '2020-01-01T00:00:00Z' },
      })
      expect(past.status).toBe(400)
      expect(past.json().errors).toEqual([{ field: 'expiresAt', detail: expect.stringContaining('future') }])
      const patch = await admin(`/keys/${fx.aliceKeyId}`, { method: 'PATCH', body: { name: 5, nope: 1 } })
      expect(patch.status).toBe(400)
      expect(
        patch
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['name', 'nope'])
      const roll = await admin(`/keys/${fx.aliceKeyId}/roll`, { method: 'POST', body: { expireOldInMs: -1 } })
      expect(roll.status).toBe(400)
      expect(roll.json().errors[0].field).toBe('expireOldInMs')
      for (const query of [
        'limit=0',
        'limit=abc',
        'limit=100000',
        `cursor=${'x'.repeat(2000)}`,
        'cursor=bm9wZQ',
      ]) {
        const got = await admin(`/keys?${query}`)
        expect(got.status).toBe(400)
        expect(got.json().errors[0].field).toBe(query.split('=')[0])
      }
    })

    it('page through keys with a cursor, newest first, each key once', async () => {
      const ids: string[] = []
      for (let i = 0; i < 5; i++) {
        fx.clock.now = new Date(fx.clock.now.getTime() + 1000)
        ids.push(
          (await admin('/keys', { method: 'POST', body: { name: `p${i}`, ownerId: 'pager' } })).json().record
            .id,
        )
      }
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const got = await admin(
          `/keys?ownerId=pager&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
        expect(got.status).toBe(200)
        const page = got.json()
        seen.push(...page.items.map((r: { id: string }) => r.id))
        cursor = page.nextCursor
        pages++
      } while (cursor && pages < 10)
      expect(seen).toEqual(ids.reverse())
      expect(pages).toBe(3)
    })

    it('let an admin set and change credits and rate limits', async () => {
      const body = {
        name: 'metered',
        remaining: 10,
        refill: { amount: 10, intervalMs: 3_600_000 },
        rateLimits: [{ name: 'rps', limit: 5, windowMs: 1000 }],
      }
      const created = await admin('/keys', { method: 'POST', body })
      expect(created.status).toBe(201)
      expect(created.json().record).toMatchObject({
        remaining: 10,
        refill: body.refill,
        rateLimits: body.rateLimits,
      })
      const patched = await admin(`/keys/${created.json().record.id}`, {
        method: 'PATCH',
        body: { remaining: 3, rateLimits: [] },
      })
      expect(patched.json()).toMatchObject({ remaining: 3, rateLimits: [] })
      const bad = await admin('/keys', {
        method: 'POST',
        body: { name: 'x', remaining: -1, rateLimits: [{ name: 'r', limit: 0, windowMs: 1000 }] },
      })
      expect(bad.status).toBe(400)
      expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual([
        'remaining',
        'rateLimits[0].limit',
      ])
    })

    it('update, revoke, roll and delete a key', async () => {
      const created = (
        await admin('/keys', { method: 'POST', body: { name: 'life', scopes: ['users:read'] } })
      ).json()
      const id = created.record.id
      const patched = await admin(`/keys/${id}`, {
        method: 'PATCH',
        body: { name: 'renamed', scopes: ['users:read', 'billing:read'] },
      })
      expect(patched.status).toBe(200)
      expect(patched.json()).toMatchObject({ id, name: 'renamed', scopes: ['users:read', 'billing:read'] })

      const rolled = await admin(`/keys/${id}/roll`, { method: 'POST' })
      expect(rolled.status).toBe(201)
      expect(rolled.headers['cache-control']).toBe('no-store')
      const { key: fresh, record, previous } = rolled.json()
      expect(fresh).not.toBe(created.key)
      expect(record).toMatchObject({ name: 'renamed', scopes: ['users:read', 'billing:read'] })
      expect(previous.id).toBe(id)
      expect((await client.request('/protected', key(fresh))).status).toBe(200)
      expectUnauthorized(await client.request('/protected', key(created.key)))

      const revoked = await admin(`/keys/${record.id}/revoke`, { method: 'POST' })
      expect(revoked.status).toBe(200)
      expect(revoked.json().revokedAt).toBe(fx.clock.now.toISOString())
      expectUnauthorized(await client.request('/protected', key(fresh)))
      const rollRevoked = await admin(`/keys/${record.id}/roll`, { method: 'POST', body: {} })
      expect(rollRevoked.status).toBe(400)

      const deleted = await admin(`/keys/${record.id}`, { method: 'DELETE' })
      expect(deleted.status).toBe(204)
      expect(deleted.text).toBe('')
      for (const [method, path] of [
        ['GET', ''],
        ['PATCH', ''],
        ['POST', '/revoke'],
        ['POST', '/roll'],
        ['DELETE', ''],
      ]) {
        const got = await admin(`/keys/${record.id}${path}`, {
          method,
          body: method === 'PATCH' ? { name: 'z' } : undefined,
        })
        expect(got.status).toBe(404)
        expect(got.headers['content-type']).toContain(PROBLEM)
      }
    })

    it("keep owners apart: another owner's key is not found, and owners cannot escalate", async () => {
      const mine = await client.request('/keys', as('bob', { method: 'POST', body: { name: 'bobs' } }))
      expect(mine.status).toBe(201)
      fx.secrets.add(mine.json().key)
      expect(mine.json().record.ownerId).toBe('bob')
      const list = await client.request('/keys?ownerId=alice', as('bob'))
      expect(list.status).toBe(200)
      const owners = new Set(list.json().items.map((r: { ownerId: string }) => r.ownerId))
      expect([...owners]).toEqual(['bob'])
      const alices = fx.aliceKeyId
      for (const [method, path, body] of [
        ['GET', '', undefined],
        ['PATCH', '', { name: 'mine now' }],
        ['POST', '/revoke', undefined],
        ['POST', '/roll', {}],
        ['DELETE', '', undefined],
      ] as const) {
        const got = await client.request(`/keys/${alices}${path}`, as('bob', { method, body }))
        expect(got.status).toBe(404)
        expect(got.text).toBe((await client.request('/keys/no-such-id', as('bob'))).text)
      }
      const untouched = await fx.warden.keys.get(alices)
      expect(untouched).toMatchObject({ name: 'alice', revokedAt: null, expiresAt: null })
      const forOther = await client.request(
        '/keys',
        as('bob', { method: 'POST', body: { name: 'x', ownerId: 'alice' } }),
      )
      expect(forOther.status).toBe(403)
      const escalate = await client.request(
        '/keys',
        as('bob', { method: 'POST', body: { name: 'x', scopes: ['keywarden:admin'] } }),
      )
      expect(escalate.status).toBe(403)
      const bobsId = mine.json().record.id
      const give = await client.request(
        `/keys/${bobsId}`,
        as('bob', { method: 'PATCH', body: { ownerId: 'alice' } }),
      )
      expect(give.status).toBe(403)
      const credits = await client.request(
        '/keys',
        as('bob', { method: 'POST', body: { name: 'x', remaining: 1_000_000 } }),
      )
      expect(credits.status).toBe(403)
      const unlimit = await client.request(
        `/keys/${bobsId}`,
        as('bob', { method: 'PATCH', body: { rateLimits: [] } }),
      )
      expect(unlimit.status).toBe(403)
      const widen = await client.request(
        `/keys/${bobsId}`,
        as('bob', { method: 'PATCH', body: { scopes: ['keywarden:*'] } }),
      )
      expect(widen.status).toBe(403)
      expect((await client.request(`/keys/${bobsId}`, as('bob'))).status).toBe(200)
      expect((await admin(`/keys/${alices}`)).status).toBe(200)
    })

    it('create many keys concurrently, each unique', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          admin('/keys', { method: 'POST', body: { name: `c${i}`, ownerId: 'crowd' } }),
        ),
      )
      expect(results.every((r) => r.status === 201)).toBe(true)
      const ids = new Set(results.map((r) => r.json().record.id))
      const keys = new Set(results.map((r) => r.json().key))
      expect(ids.size).toBe(40)
      expect(keys.size).toBe(40)
      const listed = await admin('/keys?ownerId=crowd&limit=100')
      expect(new Set(listed.json().items.map((r: { id: string }) => r.id))).toEqual(ids)
    })

    it('answer 503 when the store fails, and log it through onError', async () => {
      const before = fx.captured.errors.length
      for (const [method, path, body] of routes('some-id')) {
        const got = await client.request(`/broken-keys${path}`, { method, body })
        expect(got.status).toBe(503)
        expect(got.text).not.toMatch(/ECONNREFUSED|PostgreSQL|at /)
      }
      expect(fx.captured.errors.length).toBeGreaterThan(before)
    })
  })

  describe('BYOK routes', () => {
    it('need a user: 401 on every route without one', async () => {
      for (const [method, path, body] of [
        ['PUT', '/byok/openai', { apiKey: OPENAI }],
        ['GET', '/byok'],
        ['DELETE', '/byok/openai'],
        ['DELETE', '/byok'],
      ] as const) {
        const got = await client.request(path, { method, body })
        expect(got.status).toBe(401)
        expect(got.headers['content-type']).toContain(PROBLEM)
      }
    })

    it('store, list masked, and delete a provider key per user', async () => {
      fx.secrets.add(OPENAI)
      fx.secrets.add(GROQ)
      const put = await client.request(
        '/byok/openai',
        as('alice', { method: 'PUT', body: { apiKey: OPENAI, ttlMs: 3_600_000 } }),
      )
      expect(put.status).toBe(200)
      expect(put.json()).toMatchObject({
        provider: 'openai',
        label: 'OpenAI',
        masked: expect.stringMatching(/^sk-p.*1g$/),
        expiresAt: new Date(fx.clock.now.getTime() + 3_600_000).toISOString(),
      })
      expect(put.json().fingerprint).toMatch(/^[0-9a-f]{16}$/)
      const list = await client.request('/byok', as('alice'))
      expect(list.status).toBe(200)
      expect(list.json().items.map((s: { provider: string }) => s.provider)).toEqual(['openai'])
      expect((await client.request('/byok', as('bob'))).json()).toEqual({ items: [] })
      expect(await fx.vault.for({ userId: 'alice' }).get('openai')).toBe(OPENAI)

      const wrongFormat = await client.request(
        '/byok/openai',
        as('alice', { method: 'PUT', body: { apiKey: 'gsk_notanopenaikey12345678' } }),
      )
      expect(wrongFormat.status).toBe(400)
      expect(wrongFormat.json().errors[0].field).toBe('apiKey')
      const badBody = await client.request(
        '/byok/groq',
        as('alice', { method: 'PUT', body: { ttlMs: -5, extra: 1 } }),
      )
      expect(badBody.status).toBe(400)
      expect(
        badBody
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['apiKey', 'extra', 'ttlMs'])
      const badProvider = await client.request(
        '/byok/NOT%20ONE',
        as('alice', { method: 'PUT', body: { apiKey: OPENAI } }),
      )
      expect(badProvider.status).toBe(400)
      const unknownProvider = await client.request(
        '/byok/nosuch',
        as('alice', { method: 'PUT', body: { apiKey: OPENAI } }),
      )
      expect(unknownProvider.status).toBe(400)

      expect(
        (await client.request('/byok/groq', as('alice', { method: 'PUT', body: { apiKey: GROQ } }))).status,
      ).toBe(200)
      const removed = await client.request('/byok/openai', as('alice', { method: 'DELETE' }))
      expect(removed.status).toBe(204)
      expect((await client.request('/byok/openai', as('alice', { method: 'DELETE' }))).status).toBe(404)
      expect(
        (await client.request('/byok', as('alice')))
          .json()
          .items.map((s: { provider: string }) => s.provider),
      ).toEqual(['groq'])
      const cleared = await client.request('/byok', as('alice', { method: 'DELETE' }))
      expect(cleared.status).toBe(204)
      expect((await client.request('/byok', as('alice'))).json()).toEqual({ items: [] })
    })
  })

  describe('provider-key guards', () => {
    it('requireProviderKey answers 428 with the provider and where to add it, until the user has one', async () => {
      expect((await client.request('/ai')).status).toBe(401)
      const missing = await client.request('/ai', as('carol'))
      expect(missing.status).toBe(428)
      expect(missing.headers['content-type']).toContain(PROBLEM)
      expect(missing.headers.link).toBe(`<${ADD_KEY_URL}>; rel="help"`)
      expect(missing.json()).toMatchObject({ status: 428, providers: ['openai'], addKeyUrl: ADD_KEY_URL })
      expect(
        (await client.request('/byok/openai', as('carol', { method: 'PUT', body: { apiKey: OPENAI } })))
          .status,
      ).toBe(200)
      expect((await client.request('/ai', as('carol'))).status).toBe(200)
      expect((await client.request('/ai', as('dave'))).status).toBe(428)
    })

    it('requireAnyProviderKey passes with any one of the providers', async () => {
      const missing = await client.request('/ai-any', as('erin'))
      expect(missing.status).toBe(428)
      expect(missing.json()).toMatchObject({ providers: ['anthropic', 'groq'], addKeyUrl: null })
      expect(
        (await client.request('/byok/groq', as('erin', { method: 'PUT', body: { apiKey: GROQ } }))).status,
      ).toBe(200)
      expect((await client.request('/ai-any', as('erin'))).status).toBe(200)
    })
  })

  describe('requireHttps', () => {
    it('refuses plain HTTP, trusts X-Forwarded-Proto only with trustProxy', async () => {
      const https: Sent = { headers: [['X-Forwarded-Proto', 'https']] }
      const refused = await client.request('/secure')
      expect(refused.status).toBe(403)
      expect(refused.headers['content-type']).toContain(PROBLEM)
      expect((await client.request('/secure', https)).status).toBe(403)
      expect((await client.request('/secure-proxy')).status).toBe(403)
      expect((await client.request('/secure-proxy', https)).status).toBe(200)
      // A client-sent "https" that our proxy appended "http" to is not trusted.
      expect(
        (await client.request('/secure-proxy', { headers: [['X-Forwarded-Proto', 'https, http']] })).status,
      ).toBe(403)
      expect(
        (await client.request('/secure-proxy', { headers: [['X-Forwarded-Proto', 'http, https']] })).status,
      ).toBe(200)
      if (driver.name === 'hono') expect((await client.request('https://localhost/secure')).status).toBe(200)
    })
  })

  it('never shows a plaintext key outside the create and roll responses', () => {
    expect(fx.captured.texts.length).toBeGreaterThan(100)
    const providerKeys = [OPENAI, GROQ]
    const issued = [...fx.secrets].filter((s) => !providerKeys.includes(s))
    expect(issued.length).toBeGreaterThan(50)
    const leaks: string[] = []
    for (const { text, mayHoldKey } of fx.captured.texts) {
      for (const secret of providerKeys)
        if (text.includes(secret)) leaks.push(`provider key in ${text.slice(0, 80)}`)
      if (!mayHoldKey)
        for (const secret of issued)
          if (text.includes(secret)) leaks.push(`issued key in ${text.slice(0, 80)}`)
    }
    const elsewhere = [JSON.stringify(fx.captured.rejects), ...fx.captured.errors, ...logs].join('\n')
    for (const secret of fx.secrets)
      if (elsewhere.includes(secret)) leaks.push('a key in onReject/onError/console output')
    expect(leaks).toEqual([])
    // The scan can fail: a create response does hold its key.
    expect(fx.captured.texts.some((t) => t.mayHoldKey && issued.some((s) => t.text.includes(s)))).toBe(true)
  })
})
