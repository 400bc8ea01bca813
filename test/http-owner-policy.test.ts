import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import * as honoKw from '../packages/keywarden/src/http/hono.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import {
  type Client,
  capturing,
  drivers,
  type Fixture,
  type Got,
  makeFixture,
  type Sent,
} from './http-fixtures.js'
import { OWNER_POLICY } from './http-owner-mounts.js'

const DAY = 86_400_000
const PROBLEM = 'application/problem+json'

const as = (user: string, sent: Sent = {}): Sent => ({
  ...sent,
  headers: [['x-user', user], ...(sent.headers ?? [])],
})

function expectForbidden(got: Got, label: string) {
  expect(got.status, `${label}: ${got.text}`).toBe(403)
  expect(got.headers['content-type']).toContain(PROBLEM)
  expect(got.json()).toMatchObject({ status: 403, title: 'Forbidden' })
}

describe.each(drivers)('owner policy on $name', (driver) => {
  let fx: Fixture
  let client: Client

  beforeAll(async () => {
    fx = await makeFixture()
    client = capturing(await driver.start(fx), fx.captured)
  })

  afterAll(async () => {
    await client?.close()
    await fx?.warden.close()
  })

  const at = (ms: number) => new Date(fx.clock.now.getTime() + ms).toISOString()

  /** A request as `user` (root is the admin); a created key is remembered for the plaintext scan. */
  async function send(user: string, path: string, sent: Sent = {}) {
    const got = await client.request(path, as(user, sent))
    if (got.status === 201) fx.secrets.add(got.json().key)
    return got
  }
  const create = (user: string, body: object, base = '/keys') => send(user, base, { method: 'POST', body })
  const patch = (user: string, id: string, body: object, base = '/keys') =>
    send(user, `${base}/${id}`, { method: 'PATCH', body })
  const roll = (user: string, id: string, body: object, base = '/keys') =>
    send(user, `${base}/${id}/roll`, { method: 'POST', body })
  const countOf = async (user: string) => (await send(user, '/keys?limit=1000')).json().items.length

  it("gives an owner's new key the policy's default limits and expiry", async () => {
    const got = await create('olivia', { name: 'plain' })
    expect(got.status).toBe(201)
    const { defaults } = OWNER_POLICY
    expect(got.json().record).toMatchObject({
      ownerId: 'olivia',
      remaining: defaults?.remaining,
      refill: defaults?.refill,
      rateLimits: defaults?.rateLimits,
      expiresAt: at(30 * DAY),
    })
    const strict = await create('olivia', {
      name: 'strict',
      remaining: 5,
      rateLimits: [
        { name: 'second', limit: 1, windowMs: 1000 },
        { name: 'slow', limit: 10, windowMs: 120_000 },
      ],
      expiresAt: at(60 * DAY),
    })
    expect(strict.status).toBe(201)
    expect(strict.json().record).toMatchObject({
      remaining: 5,
      refill: defaults?.refill,
      rateLimits: [
        { name: 'second', limit: 1, windowMs: 1000 },
        { name: 'slow', limit: 10, windowMs: 120_000 },
      ],
      expiresAt: at(60 * DAY),
    })
  })

  it('refuses an owner anything looser than the defaults, and creates nothing', async () => {
    const before = await countOf('oscar')
    const loose: Array<[string, object]> = [
      ['unlimited credits', { remaining: null }],
      ['more credits', { remaining: 101 }],
      ['no rate limit', { rateLimits: [] }],
      ['a higher limit', { rateLimits: [{ name: 'm', limit: 61, windowMs: 60_000 }] }],
      ['a shorter window', { rateLimits: [{ name: 'm', limit: 60, windowMs: 59_000 }] }],
      ['a larger refill', { refill: { amount: 101, interval: 'daily' } }],
      ['a faster refill', { refill: { amount: 100, intervalMs: 3_600_000 } }],
      ['no expiry', { expiresAt: null }],
      ['a later expiry', { expiresAt: at(90 * DAY + 1) }],
    ]
    for (const [label, body] of loose) expectForbidden(await create('oscar', { name: 'x', ...body }), label)
    expect(await countOf('oscar')).toBe(before)
    expect((await create('oscar', { name: 'x', expiresAt: at(90 * DAY) })).status).toBe(201)
  })

  it('lets an owner ask only for the scopes the policy allows, wildcards included', async () => {
    for (const scopes of [['users:read', 'reports:export'], ['reports:*'], []]) {
      const got = await create('priya', { name: 'scoped', scopes })
      expect(got.status).toBe(201)
      expect(got.json().record.scopes).toEqual(scopes)
    }
    for (const scopes of [
      ['users:write'],
      ['users:*'],
      ['users:read', 'billing:read'],
      ['keywarden:admin'],
    ]) {
      const got = await create('priya', { name: 'scoped', scopes })
      expectForbidden(got, scopes.join(' '))
      expect(got.json().detail).toContain(
        scopes.at(-1)?.startsWith('keywarden') ? 'keywarden:*' : scopes.at(-1),
      )
    }
  })

  it('never lets an owner clear or extend an expiry, or change its limits', async () => {
    const made = await create('root', {
      name: 'admin-made',
      ownerId: 'quinn',
      expiresAt: at(7 * DAY),
      remaining: 2,
      rateLimits: [{ name: 'rpm', limit: 2, windowMs: 60_000 }],
    })
    const id = made.json().record.id
    expectForbidden(await patch('quinn', id, { expiresAt: null }), 'clear')
    expectForbidden(await patch('quinn', id, { expiresAt: at(8 * DAY) }), 'extend')
    for (const body of [{ remaining: 1000 }, { remaining: 1 }, { rateLimits: [] }, { refill: null }]) {
      expectForbidden(await patch('quinn', id, body), JSON.stringify(body))
    }
    expect(await fx.warden.keys.get(id)).toMatchObject({
      expiresAt: new Date(at(7 * DAY)),
      remaining: 2,
      rateLimits: [{ name: 'rpm', limit: 2, windowMs: 60_000 }],
    })
    const earlier = await patch('quinn', id, { expiresAt: at(DAY) })
    expect(earlier.status).toBe(200)
    expect(earlier.json().expiresAt).toBe(at(DAY))
    expectForbidden(await patch('quinn', id, { expiresAt: at(2 * DAY) }), 'extend again')

    // A key without expiry may get one, within maxExpiresInMs.
    const open = (await create('root', { name: 'open', ownerId: 'quinn' })).json().record.id
    expectForbidden(await patch('quinn', open, { expiresAt: at(91 * DAY) }), 'beyond the policy')
    expect((await patch('quinn', open, { expiresAt: at(10 * DAY) })).status).toBe(200)
  })

  it('lets an owner keep or narrow the scopes it has, and add only what the policy allows', async () => {
    const made = await create('root', { name: 'billing', ownerId: 'rosa', scopes: ['billing:read'] })
    const id = made.json().record.id
    const added = await patch('rosa', id, { scopes: ['billing:read', 'users:read'] })
    expect(added.status).toBe(200)
    expect(added.json().scopes).toEqual(['billing:read', 'users:read'])
    expectForbidden(await patch('rosa', id, { scopes: ['billing:write'] }), 'widen')
    expect((await patch('rosa', id, { scopes: [] })).status).toBe(200)
    expectForbidden(await patch('rosa', id, { scopes: ['billing:read'] }), 'take back')
  })

  it("bounds an owner's roll grace by maxGraceMs", async () => {
    const id = (await create('sam', { name: 'rolling' })).json().record.id
    expectForbidden(await roll('sam', id, { expireOldInMs: 3_600_001 }), 'long grace')
    const rolled = await roll('sam', id, { expireOldInMs: 3_600_000 })
    expect(rolled.status).toBe(201)
    expect(rolled.json().previous.expiresAt).toBe(at(3_600_000))
  })

  it('does not hold admins to the policy', async () => {
    const got = await create('root', { name: 'free', ownerId: 'tara', scopes: ['billing:write'] })
    expect(got.status).toBe(201)
    expect(got.json().record).toMatchObject({ remaining: null, rateLimits: [], expiresAt: null })
    const id = got.json().record.id
    expect((await patch('root', id, { expiresAt: at(DAY) })).status).toBe(200)
    expect((await patch('root', id, { expiresAt: null, remaining: 10_000 })).status).toBe(200)
    expect((await roll('root', id, { expireOldInMs: 2 * DAY })).status).toBe(201)
  })

  it('without ownerPolicy, owners keep what they have and cannot create keys', async () => {
    const refused = await create('uma', { name: 'mine' }, '/plain-keys')
    expectForbidden(refused, 'create')
    expect(refused.json().detail).toContain('ownerPolicy')
    const made = await create('root', { name: 'given', ownerId: 'uma', expiresAt: at(DAY) }, '/plain-keys')
    expect(made.status).toBe(201)
    const id = made.json().record.id
    for (const body of [{ expiresAt: null }, { expiresAt: at(2 * DAY) }, { scopes: ['users:read'] }]) {
      expectForbidden(await patch('uma', id, body, '/plain-keys'), JSON.stringify(body))
    }
    expect((await patch('uma', id, { name: 'renamed', expiresAt: at(DAY / 2) }, '/plain-keys')).status).toBe(
      200,
    )
    expectForbidden(await roll('uma', id, { expireOldInMs: DAY + 1 }, '/plain-keys'), 'long grace')
    expect((await roll('uma', id, { expireOldInMs: 60_000 }, '/plain-keys')).status).toBe(201)
  })

  // Passes once rolled keys share one credit balance and one set of counters in the stores.
  it('rolling a limited key four times as its owner gives no more than its limits', async () => {
    const made = await create('root', {
      name: 'metered',
      ownerId: 'vic',
      remaining: 2,
      rateLimits: [{ name: 'rpm', limit: 2, windowMs: 60_000 }],
    })
    expect(made.status).toBe(201)
    const keys: string[] = [made.json().key]
    let id: string = made.json().record.id
    for (let i = 0; i < 4; i++) {
      const rolled = await roll('vic', id, { expireOldInMs: 600_000 })
      expect(rolled.status).toBe(201)
      keys.push(rolled.json().key)
      id = rolled.json().record.id
    }
    let successes = 0
    for (const key of keys) {
      for (let i = 0; i < 2; i++) {
        const got = await client.request('/protected', { headers: [['X-API-Key', key]] })
        if (got.status === 200) successes++
        else expect([402, 429]).toContain(got.status)
      }
    }
    expect(successes).toBe(2)
  })

  it('never shows a plaintext key outside the create and roll responses', () => {
    for (const { text, mayHoldKey } of fx.captured.texts) {
      if (mayHoldKey) continue
      for (const secret of fx.secrets) expect(text).not.toContain(secret)
    }
  })
})

describe('ownerPolicy is checked when the routes are built', () => {
  const warden = createKeywarden({ store: memoryStore(), prefix: 'kwt', lastUsed: false })
  const build =
    (ownerPolicy: unknown, options: object = {}) =>
    () =>
      honoKw.managementRoutes({ warden, ownerPolicy: ownerPolicy as any, ...options })

  it.each([
    ['not an object', 'open', /ownerPolicy must be an object/],
    ['an unknown option', { maxLife: 1 }, /ownerPolicy\.maxLife is not an option/],
    ['a management scope', { scopes: ['keywarden:admin'] }, /must not allow "keywarden:admin"/],
    ['a malformed scope', { scopes: ['users'] }, /ownerPolicy\.scopes must hold/],
    ['negative credits', { defaults: { remaining: -1 } }, /defaults\.remaining must be a non-negative/],
    ['a refill without credits', { defaults: { refill: { amount: 1, interval: 'daily' } } }, /needs/],
    ['a bad rate limit', { defaults: { rateLimits: [{ name: 'r', limit: 0, windowMs: 1000 }] } }, /limit/],
    ['an unknown default', { defaults: { credits: 5 } }, /defaults\.credits is not an option/],
    ['a zero expiry', { maxExpiresInMs: 0 }, /maxExpiresInMs must be a number of milliseconds/],
    [
      'a default longer than the bound',
      { maxExpiresInMs: DAY, defaults: { expiresInMs: 2 * DAY } },
      /longer/,
    ],
    ['a grace longer than the bound', { maxExpiresInMs: DAY, maxGraceMs: DAY + 1 }, /maxGraceMs/],
  ])('refuses %s with a ConfigError', (_label, policy, message) => {
    expect(build(policy)).toThrow(ConfigError)
    expect(build(policy)).toThrow(message)
  })

  it('refuses a scope that implies keywarden:admin, and a clock that is not a function', () => {
    const hierarchy = createKeywarden({
      store: memoryStore(),
      prefix: 'kwt',
      lastUsed: false,
      scopes: { hierarchy: { 'users:root': ['keywarden:admin'] } },
    })
    expect(() =>
      honoKw.managementRoutes({ warden: hierarchy, ownerPolicy: { scopes: ['users:root'] } }),
    ).toThrow(/must not allow "users:root"/)
    expect(build({}, { now: 5 })).toThrow(/now must be a function/)
    expect(build(OWNER_POLICY)).not.toThrow()
  })
})
