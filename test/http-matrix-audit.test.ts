/**
 * The shared HTTP matrix for issue #14 on Hono, Hono on Node, Express and Fastify: every change
 * made over HTTP names its actor, address and request id in the audit log; the usage and audit
 * routes keep owners apart; no audit entry or answer holds a key, a hash or a provider key.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Client, capturing, drivers, type Fixture, makeFixture, type Sent } from './http-fixtures.js'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'

const as = (user: string, sent: Sent = {}): Sent => ({
  ...sent,
  headers: [['x-user', user], ...(sent.headers ?? [])],
})

describe.each(drivers)('audit and usage over HTTP on $name', (driver) => {
  let fx: Fixture
  let client: Client
  let adminKeyId: string
  const reqId = (n: number) => `req-${driver.name}-${n}`
  const withKey = (n: number, sent: Sent = {}): Sent => ({
    ...sent,
    headers: [['X-API-Key', fx.keys.admin], ['X-Request-Id', reqId(n)], ...(sent.headers ?? [])],
  })

  beforeAll(async () => {
    fx = await makeFixture()
    client = capturing(await driver.start(fx), fx.captured)
    const verified = await fx.warden.keys.verify(fx.keys.admin)
    if (!verified.valid) throw new Error('the admin key must verify')
    adminKeyId = verified.key.id
  })

  afterAll(async () => {
    await client?.close()
    await fx?.warden.close()
  })

  async function entriesOf(targetId: string) {
    return (await fx.warden.audit.list({ targetId, limit: 100 })).items.reverse()
  }

  function expectAddress(address: string | undefined) {
    // Hono's app.fetch has no socket; every other driver reaches the app over one (or inject's fake).
    if (driver.name === 'hono') expect(address).toBeUndefined()
    else expect(address).toMatch(/127\.0\.0\.1$/)
  }

  it('names the admin key, its address and X-Request-Id on create, update, revoke, roll and delete', async () => {
    const created = await client.request('/plain-keys', withKey(1, { method: 'POST', body: { name: 'svc' } }))
    expect(created.status).toBe(201)
    fx.secrets.add(created.json().key)
    const id = created.json().record.id as string
    const patched = await client.request(
      `/plain-keys/${id}`,
      withKey(2, { method: 'PATCH', body: { name: 'svc2' } }),
    )
    expect(patched.status).toBe(200)
    const rolled = await client.request(`/plain-keys/${id}/roll`, withKey(3, { method: 'POST', body: {} }))
    expect(rolled.status).toBe(201)
    fx.secrets.add(rolled.json().key)
    const next = rolled.json().record.id as string
    expect((await client.request(`/plain-keys/${next}/revoke`, withKey(4, { method: 'POST' }))).status).toBe(
      200,
    )
    expect((await client.request(`/plain-keys/${next}`, withKey(5, { method: 'DELETE' }))).status).toBe(204)

    const entries = [...(await entriesOf(id)), ...(await entriesOf(next))]
    expect(entries.map((e) => [e.action, e.requestId])).toEqual([
      ['key.created', reqId(1)],
      ['key.updated', reqId(2)],
      ['key.rolled', reqId(3)],
      ['key.revoked', reqId(4)],
      ['key.deleted', reqId(5)],
    ])
    for (const entry of entries) {
      expect(entry.actor.type).toBe('key')
      expect(entry.actor.id).toBe(adminKeyId)
      expectAddress(entry.actor.address)
    }
    expect(entries[1]?.fields).toEqual(['name'])
  })

  it('names the system actor for authorize callers, and records no malformed request id', async () => {
    const created = await client.request(
      '/plain-keys',
      as('root', { method: 'POST', body: { name: 'by-authorize' }, headers: [['X-Request-Id', 'bad id!']] }),
    )
    expect(created.status).toBe(201)
    fx.secrets.add(created.json().key)
    const [entry] = await entriesOf(created.json().record.id)
    expect(entry?.actor.type).toBe('system')
    expect(entry?.actor.id).toBeUndefined()
    expectAddress(entry?.actor.address)
    expect(entry?.requestId).toBeUndefined()
  })

  it('many concurrent changes: one entry each, with its own request id', async () => {
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const got = await client.request(
          '/plain-keys',
          withKey(100 + i, { method: 'POST', body: { name: `burst-${i}` } }),
        )
        expect(got.status).toBe(201)
        fx.secrets.add(got.json().key)
        return got.json().record.id as string
      }),
    )
    const entries = (await fx.warden.audit.list({ action: 'key.created', limit: 1000 })).items.filter((e) =>
      ids.includes(e.target.id),
    )
    expect(entries).toHaveLength(30)
    expect(new Set(entries.map((e) => e.id)).size).toBe(30)
    for (const entry of entries) {
      const i = ids.indexOf(entry.target.id)
      expect(entry.requestId).toBe(reqId(100 + i))
    }
  })

  it('records BYOK puts and deletes with the request id, never the provider key', async () => {
    const sent = (method: string, n: number, body?: unknown): Sent =>
      as('carol', { method, body, headers: [['X-Request-Id', reqId(n)]] })
    expect((await client.request('/byok/openai', sent('PUT', 10, { apiKey: OPENAI }))).status).toBe(200)
    expect((await client.request('/byok/openai', sent('DELETE', 11))).status).toBe(204)
    const entries = await entriesOf('user:carol/openai')
    expect(entries.map((e) => [e.action, e.requestId, e.ownerId, e.actor.type])).toEqual([
      ['secret.put', reqId(10), 'carol', 'system'],
      ['secret.deleted', reqId(11), 'carol', 'system'],
    ])
    expectAddress(entries[0]?.actor.address)
  })

  it('GET /audit: admins see every entry, owners only their own, filters and pages work', async () => {
    await client.request('/plain-keys', as('alice', { method: 'POST', body: { name: 'alice-2' } }))
    const all = await client.request('/closed-reports/audit?limit=1000', {
      headers: [['X-API-Key', fx.keys.admin]],
    })
    expect(all.status).toBe(200)
    const items = all.json().items as Array<Record<string, any>>
    expect(items.length).toBeGreaterThan(5)
    expect(new Set(items.map((e) => e.ownerId))).toEqual(expect.any(Set))
    expect(items.some((e) => e.ownerId !== 'alice')).toBe(true)
    expect(typeof items[0]?.at).toBe('string')

    const mine = await client.request('/reports/audit?limit=1000', as('alice'))
    expect(mine.status).toBe(200)
    const own = mine.json().items as Array<Record<string, any>>
    expect(own.length).toBeGreaterThan(0)
    expect(own.every((e) => e.ownerId === 'alice')).toBe(true)

    expect((await client.request('/reports/audit?ownerId=bob', as('alice'))).status).toBe(403)
    expect((await client.request('/reports/audit?ownerId=alice', as('alice'))).status).toBe(200)

    const created = await client.request('/reports/audit?action=key.created&limit=2', as('root'))
    expect(created.json().items.every((e: any) => e.action === 'key.created')).toBe(true)
    expect(created.json().items).toHaveLength(2)
    const cursor = created.json().nextCursor as string
    const page2 = await client.request(
      `/reports/audit?action=key.created&limit=2&cursor=${encodeURIComponent(cursor)}`,
      as('root'),
    )
    expect(page2.status).toBe(200)
    const ids = [...created.json().items, ...page2.json().items].map((e: any) => e.id)
    expect(new Set(ids).size).toBe(ids.length)

    const byActor = await client.request(`/reports/audit?actorId=${adminKeyId}`, as('root'))
    expect(byActor.json().items.length).toBeGreaterThan(0)
    expect(byActor.json().items.every((e: any) => e.actor.id === adminKeyId)).toBe(true)
  })

  it('GET /audit answers 400 naming each bad parameter, and 401 without a caller', async () => {
    const bad = await client.request(
      '/reports/audit?action=key.exploded&limit=0&from=yesterday&to=2026-13-45',
      as('root'),
    )
    expect(bad.status).toBe(400)
    expect(
      bad
        .json()
        .errors.map((e: any) => e.field)
        .sort(),
    ).toEqual(['action', 'from', 'limit', 'to'])
    const cursor = await client.request('/reports/audit?cursor=garbage', as('root'))
    expect(cursor.status).toBe(400)
    expect(cursor.json().errors[0].field).toBe('cursor')
    expect((await client.request('/closed-reports/audit')).status).toBe(401)
    expect((await client.request('/closed-reports/usage')).status).toBe(401)
    expect(
      (await client.request('/closed-reports/audit', { headers: [['X-API-Key', fx.keys.alice]] })).status,
    ).toBe(401)
  })

  it('usage routes keep owners apart and check their parameters', async () => {
    const alice = fx.aliceKeyId
    expect((await client.request(`/plain-keys/${alice}/usage`, as('bob'))).status).toBe(404)
    expect((await client.request('/plain-keys/key_nope/usage', as('root'))).status).toBe(404)
    expect((await client.request('/reports/usage?ownerId=bob', as('alice'))).status).toBe(403)
    const bad = await client.request(`/plain-keys/${alice}/usage?granularity=week&from=x`, as('root'))
    expect(bad.status).toBe(400)
    expect(
      bad
        .json()
        .errors.map((e: any) => e.field)
        .sort(),
    ).toEqual(['from', 'granularity'])
    const wide = await client.request(
      `/plain-keys/${alice}/usage?granularity=minute&from=2020-01-01&to=2026-01-01`,
      as('root'),
    )
    expect(wide.status).toBe(400)
    for (let i = 0; i < 3; i++)
      await client.request('/protected', { headers: [['X-API-Key', fx.keys.alice]] })
    const own = await client.request(`/plain-keys/${alice}/usage`, as('alice'))
    const reports = await client.request('/reports/usage', as('alice'))
    if (typeof (fx.warden as any).usage?.query !== 'function') {
      // Without usage counting (before h-usage) the answer says so.
      expect(own.status).toBe(501)
      expect(reports.status).toBe(501)
      return
    }
    expect(own.status).toBe(200)
    expect(own.json()).toMatchObject({ keyId: alice, granularity: 'hour' })
    expect(own.json().buckets).toHaveLength(24)
    expect(own.json().totals.valid).toBe(3)
    expect(reports.json()).toMatchObject({ ownerId: 'alice' })
    expect(reports.json().totals.valid).toBe(3)
    const everyone = await client.request('/reports/usage?granularity=day', as('root'))
    expect(everyone.status).toBe(200)
    expect(everyone.json().totals.valid).toBeGreaterThanOrEqual(3)
    const bobs = await client.request('/reports/usage?ownerId=bob', as('root'))
    expect(bobs.json().totals.valid).toBe(0)
  })

  it('no audit entry and no answer holds a plaintext key, a key hash or a provider key', async () => {
    const entries = JSON.stringify((await fx.warden.audit.list({ limit: 1000 })).items)
    const issued = [...fx.secrets]
    const hashes = issued.map((k) => createHash('sha256').update(k).digest('hex'))
    const leaks = [...issued, ...hashes, OPENAI].filter((s) => entries.includes(s))
    expect(leaks).toEqual([])
    for (const { text, mayHoldKey } of fx.captured.texts) {
      if (text.includes(OPENAI)) leaks.push('provider key in an answer')
      for (const h of hashes) if (text.includes(h)) leaks.push('hash in an answer')
      if (!mayHoldKey) for (const k of issued) if (text.includes(k)) leaks.push('key in an answer')
    }
    expect(leaks).toEqual([])
    // The scan can fail: the log holds entries, the hashes are of real keys.
    expect(entries.length).toBeGreaterThan(1000)
  })
})
