/**
 * The HTTP matrix for verifyRoutes: every verification code, both header styles, the caller's own
 * credential (401/403), bad bodies (400/413/415), a store that is down (503), on every adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey } from '../packages/keywarden/src/index.js'
import {
  type Client,
  capturing,
  drivers,
  type Fixture,
  type Got,
  makeFixture,
  type Sent,
} from './http-fixtures.js'

const PUBLIC_FIELDS = ['id', 'name', 'ownerId', 'scopes', 'metadata', 'expiresAt', 'lastUsedAt']
const PROBLEM = 'application/problem+json'

describe.each(drivers)('verifyRoutes on $name', (driver) => {
  let fx: Fixture
  let client: Client
  let service: string

  beforeAll(async () => {
    fx = await makeFixture()
    client = capturing(await driver.start(fx), fx.captured)
    service = await issue({ name: 'checkout service', scopes: ['keywarden:verify'] })
  })

  afterAll(async () => {
    await client?.close()
    await fx?.warden.close()
  })

  async function issue(input: Parameters<Fixture['warden']['keys']['create']>[0]): Promise<string> {
    const created = await fx.warden.keys.create(input)
    fx.secrets.add(created.key)
    return created.key
  }

  const asService = (body: unknown, header: [string, string] = ['X-API-Key', service]): Sent => ({
    method: 'POST',
    headers: [header],
    body,
  })

  async function verify(body: unknown, sent: Partial<Sent> = {}, path = '/verify'): Promise<Got> {
    return client.request(path, { ...asService(body), ...sent })
  }

  async function answer(body: unknown): Promise<Record<string, any>> {
    const got = await verify(body)
    expect(got.status).toBe(200)
    expect(got.headers['content-type']).toMatch(/^application\/json/)
    expect(got.headers['cache-control']).toBe('no-store')
    return got.json()
  }

  /** Credits left, read without spending (a key with none left answers USAGE_EXCEEDED with 0). */
  const remainingOf = async (key: string) => {
    const result = await fx.warden.keys.verify(key, { cost: 0 })
    return 'remaining' in result ? result.remaining : undefined
  }

  it('answers VALID with the public fields, for the caller key in X-API-Key or Authorization: Bearer', async () => {
    for (const header of [
      ['X-API-Key', service],
      ['authorization', `Bearer ${service}`],
    ] as Array<[string, string]>) {
      const got = await client.request('/verify', asService({ key: fx.keys.alice }, header))
      expect(got.status).toBe(200)
      const body = got.json()
      expect(body).toEqual({
        valid: true,
        code: 'VALID',
        key: {
          id: fx.aliceKeyId,
          name: 'alice',
          ownerId: 'alice',
          scopes: ['users:read'],
          metadata: {},
          expiresAt: null,
          lastUsedAt: null,
        },
        remaining: null,
        limits: [],
      })
    }
  })

  it("verifies any owner's key, for a caller of any owner, and takes an admin key as caller", async () => {
    const carols = await issue({ name: 'carol svc', ownerId: 'carol', scopes: ['keywarden:verify'] })
    for (const caller of [carols, fx.keys.admin]) {
      for (const [key, owner] of [
        [fx.keys.alice, 'alice'],
        [fx.keys.bob, 'bob'],
        [fx.keys.reader, null],
      ] as const) {
        const got = await client.request('/verify', asService({ key }, ['x-api-key', caller]))
        expect(got.status).toBe(200)
        expect(got.json()).toMatchObject({ valid: true, code: 'VALID', key: { ownerId: owner } })
      }
    }
  })

  it('answers MALFORMED and NOT_FOUND without a key record', async () => {
    for (const key of ['not-a-key', '', 'kwt_short', 'x'.repeat(600)]) {
      expect(await answer({ key })).toEqual({ valid: false, code: 'MALFORMED' })
    }
    const unknown = generateKey('kwt').key
    fx.secrets.add(unknown)
    expect(await answer({ key: unknown })).toEqual({ valid: false, code: 'NOT_FOUND' })
  })

  it('answers EXPIRED and REVOKED with the key record', async () => {
    const revoked = await answer({ key: fx.keys.revoked })
    expect(revoked).toMatchObject({ valid: false, code: 'REVOKED', key: { name: 'revoked' } })
    expect(Object.keys(revoked.key).sort()).toEqual([...PUBLIC_FIELDS].sort())

    const before = fx.clock.now
    expect(await answer({ key: fx.keys.expiring })).toMatchObject({ valid: true, code: 'VALID' })
    fx.clock.now = new Date(before.getTime() + 61_000)
    try {
      const expired = await answer({ key: fx.keys.expiring })
      expect(expired).toMatchObject({ valid: false, code: 'EXPIRED', key: { name: 'expiring' } })
      expect(expired.key.expiresAt).toBe(new Date(before.getTime() + 60_000).toISOString())
    } finally {
      fx.clock.now = before
    }
  })

  it('checks scopes with requirement all (the default) or any, wildcards included', async () => {
    expect(await answer({ key: fx.keys.reader, scopes: ['users:write'] })).toMatchObject({
      valid: false,
      code: 'INSUFFICIENT_SCOPES',
      key: { name: 'reader' },
      missingScopes: ['users:write'],
    })
    expect(await answer({ key: fx.keys.reader, scopes: ['users:read', 'billing:read'] })).toMatchObject({
      code: 'INSUFFICIENT_SCOPES',
      missingScopes: ['billing:read'],
    })
    const any = { key: fx.keys.reader, scopes: ['users:read', 'billing:read'], requirement: 'any' }
    expect(await answer(any)).toMatchObject({ valid: true, code: 'VALID' })
    expect(await answer({ key: fx.keys.writer, scopes: ['users:delete', 'billing:read'] })).toMatchObject({
      valid: true,
      code: 'VALID',
    })
  })

  it('spends rate limits as the library does: RATE_LIMITED with the limits and when to retry', async () => {
    const first = await answer({ key: fx.keys.limited })
    expect(first).toMatchObject({ valid: true, code: 'VALID', remaining: null })
    expect(first.limits).toEqual([{ name: 'burst', limit: 1, remaining: 0, reset: expect.any(String) }])
    expect(Date.parse(first.limits[0].reset)).toBeGreaterThan(fx.clock.now.getTime())
    const second = await answer({ key: fx.keys.limited })
    expect(second).toMatchObject({ valid: false, code: 'RATE_LIMITED', key: { name: 'limited' } })
    expect(second.retryAfterMs).toBeGreaterThan(0)
    expect(second.limits).toEqual([{ name: 'burst', limit: 1, remaining: 0, reset: first.limits[0].reset }])
    expect(second).not.toHaveProperty('remaining')
  })

  it('spends credits as the library does, by cost: USAGE_EXCEEDED when short', async () => {
    expect(await answer({ key: fx.keys.broke })).toMatchObject({
      valid: false,
      code: 'USAGE_EXCEEDED',
      key: { name: 'broke' },
      remaining: 0,
    })
    const metered = await issue({ name: 'metered', remaining: 3 })
    expect(await answer({ key: metered, cost: 2 })).toMatchObject({ valid: true, remaining: 1 })
    expect(await answer({ key: metered, cost: 2 })).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 1 })
    expect(await answer({ key: metered, cost: 0 })).toMatchObject({ valid: true, remaining: 1 })
    expect(await answer({ key: metered })).toMatchObject({ valid: true, remaining: 0 })
    expect(await answer({ key: metered })).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 0 })
    expect(await remainingOf(metered)).toBe(0)
  })

  it('answers 401 to a caller without a valid key of its own, and spends nothing', async () => {
    const metered = await issue({ name: 'untouched', remaining: 5 })
    const unknown = generateKey('kwt').key
    fx.secrets.add(unknown)
    const refusals: Array<Array<[string, string]>> = [
      [],
      [['x-api-key', 'nonsense']],
      [['x-api-key', unknown]],
      [['x-api-key', fx.keys.revoked]],
      [['authorization', `Bearer ${fx.keys.revoked}`]],
      [['authorization', 'Basic dXNlcjpwYXNz']],
      // Two different keys: not one credential.
      [
        ['x-api-key', service],
        ['authorization', `Bearer ${fx.keys.admin}`],
      ],
    ]
    for (const headers of refusals) {
      const got = await verify({ key: metered }, { headers })
      expect(got.status).toBe(401)
      expect(got.headers['content-type']).toContain(PROBLEM)
      expect(got.headers['www-authenticate']).toBe('ApiKey')
    }
    expect(await remainingOf(metered)).toBe(5)
  })

  it('answers 403 to a caller whose key lacks keywarden:verify, and spends nothing', async () => {
    const metered = await issue({ name: 'also untouched', remaining: 5 })
    const byok = await issue({ name: 'byok only', scopes: ['keywarden:byok'] })
    for (const caller of [fx.keys.reader, fx.keys.writer, byok]) {
      const got = await verify({ key: metered }, { headers: [['x-api-key', caller]] })
      expect(got.status).toBe(403)
      expect(got.json()).toMatchObject({ status: 403, missingScopes: ['keywarden:verify'] })
    }
    expect(await remainingOf(metered)).toBe(5)
  })

  it('lets in whoever authorize accepts, and falls back to the key check otherwise', async () => {
    const trusted = { method: 'POST', body: { key: fx.keys.alice } }
    const ok = await client.request('/verify-trusted', { ...trusted, headers: [['x-user', 'service']] })
    expect(ok.status).toBe(200)
    expect(ok.json()).toMatchObject({ valid: true, code: 'VALID' })
    expect(
      (await client.request('/verify-trusted', { ...trusted, headers: [['x-user', 'eve']] })).status,
    ).toBe(401)
    const withKey = await client.request('/verify-trusted', {
      ...trusted,
      headers: [
        ['x-user', 'eve'],
        ['x-api-key', service],
      ],
    })
    expect(withKey.status).toBe(200)
  })

  it('answers 400 naming each bad field, and spends nothing', async () => {
    const metered = await issue({ name: 'unspent', remaining: 5 })
    const fieldsOf = (got: Got) => got.json().errors.map((e: { field: string }) => e.field)
    const bad = await verify({ key: metered, scopes: 'users:read', requirement: 'most', cost: -1, extra: 1 })
    expect(bad.status).toBe(400)
    expect(bad.headers['content-type']).toContain(PROBLEM)
    expect(fieldsOf(bad).sort()).toEqual(['cost', 'extra', 'requirement', 'scopes'])
    expect(fieldsOf(await verify({ key: metered, cost: 1.5 }))).toEqual(['cost'])
    expect(fieldsOf(await verify({ key: metered, scopes: ['nope'] }))).toEqual(['scopes'])
    expect(fieldsOf(await verify({ scopes: ['users:read'] }))).toEqual(['key'])
    expect(fieldsOf(await verify({ key: 42 }))).toEqual(['key'])
    for (const body of ['[1]', '"key"', '{"key":', undefined]) {
      const got = await verify(body, {
        headers: [
          ['x-api-key', service],
          ['content-type', 'application/json'],
        ],
      })
      expect(got.status).toBe(400)
      expect(fieldsOf(got)).toEqual(['body'])
    }
    expect(await remainingOf(metered)).toBe(5)
  })

  it('answers 415 to a body not sent as JSON and 413 to one over 256 KiB', async () => {
    const json = JSON.stringify({ key: fx.keys.alice })
    const plain = await verify(json, {
      headers: [
        ['x-api-key', service],
        ['content-type', 'text/plain'],
      ],
    })
    expect(plain.status).toBe(415)
    const large = await verify({ key: fx.keys.alice, pad: 'x'.repeat(300 * 1024) })
    expect(large.status).toBe(413)
  })

  it('answers 503 when the store is down, for the caller check or the verification, without details', async () => {
    const errors = fx.captured.errors.length
    for (const path of ['/verify-broken', '/verify-broken-trusted']) {
      const got = await verify({ key: fx.keys.alice }, {}, path)
      expect(got.status).toBe(503)
      expect(got.headers['retry-after']).toBe('5')
      expect(got.text).not.toMatch(/PostgreSQL|127\.0\.0\.1|ECONNREFUSED/)
    }
    expect(fx.captured.errors.length).toBe(errors + 2)
    expect(fx.captured.errors.at(-1)).toMatch(/StoreError/)
  })

  it('never shows a plaintext key in any answer, problem or error', () => {
    expect(fx.captured.texts.length).toBeGreaterThan(40)
    // What is scanned is the real answers: they carry the verified keys' ids.
    expect(fx.captured.texts.some((t) => t.text.includes(fx.aliceKeyId))).toBe(true)
    const leaks: string[] = []
    const everything = [...fx.captured.texts.map((t) => t.text), ...fx.captured.errors]
    for (const secret of fx.secrets) {
      for (const text of everything) if (text.includes(secret)) leaks.push(text.slice(0, 120))
    }
    expect(leaks).toEqual([])
    expect(fx.secrets.size).toBeGreaterThan(12)
  })
})
