/**
 * The HTTP matrix, continued: management and BYOK routes take JSON bodies only, on every adapter,
 * so a cross-site form or text/plain POST never reaches a route behind a cookie-based authorize.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Client, drivers, type Fixture, makeFixture, type Sent } from './http-fixtures.js'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'
const PROBLEM = 'application/problem+json'

/** authorize (keys) and identify (byok) of the fixture read x-user; root is an admin. */
const as = (user: string, method: string, body: string | undefined, type?: string): Sent => ({
  method,
  body,
  headers: [['x-user', user], ...(type === undefined ? [] : [['content-type', type] as [string, string]])],
})

describe.each(drivers)('JSON-only bodies on $name', (driver) => {
  let fx: Fixture
  let client: Client

  beforeAll(async () => {
    fx = await makeFixture()
    client = await driver.start(fx)
  })

  afterAll(async () => {
    await client?.close()
    await fx?.warden.close()
  })

  const count = async () => (await fx.warden.keys.list({ limit: 100 })).items.length

  function expectUnsupported(got: { status: number; headers: Record<string, string>; text: string }) {
    expect(got.status).toBe(415)
    expect(got.headers['content-type']).toContain(PROBLEM)
    expect(JSON.parse(got.text)).toMatchObject({
      status: 415,
      detail: expect.stringContaining('application/json'),
    })
  }

  it('management routes answer 415 to a body that is not declared JSON, and change nothing', async () => {
    const before = await count()
    const json = JSON.stringify({ name: 'forged', scopes: ['users:read'] })
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded']) {
      expectUnsupported(await client.request('/keys', as('root', 'POST', json, type)))
    }
    expectUnsupported(
      await client.request('/keys', as('root', 'POST', 'name=forged', 'multipart/form-data; boundary=x')),
    )
    expectUnsupported(
      await client.request(`/keys/${fx.aliceKeyId}`, as('root', 'PATCH', '{"name":"x"}', 'text/plain')),
    )
    // Routes without a body refuse a form's content type too: a cross-site form always names one.
    expectUnsupported(
      await client.request(
        `/keys/${fx.aliceKeyId}/revoke`,
        as('root', 'POST', '', 'application/x-www-form-urlencoded'),
      ),
    )
    expectUnsupported(
      await client.request(`/keys/${fx.aliceKeyId}/roll`, as('root', 'POST', '{}', 'text/plain')),
    )
    expect(await count()).toBe(before)
    expect((await fx.warden.keys.get(fx.aliceKeyId))?.revokedAt).toBeNull()
    expect((await fx.warden.keys.get(fx.aliceKeyId))?.name).toBe('alice')
  })

  it('management routes take application/json, with a charset or in any case', async () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset=UTF-8',
    ]) {
      const got = await client.request('/keys', as('root', 'POST', JSON.stringify({ name: 'typed' }), type))
      expect(got.status).toBe(201)
    }
    // No body and no content type: still fine for a roll with defaults.
    const rolled = await client.request(`/keys/${fx.aliceKeyId}/roll`, as('root', 'POST', undefined))
    expect(rolled.status).toBe(201)
  })

  it('BYOK routes answer 415 to a body that is not declared JSON, and store nothing', async () => {
    const json = JSON.stringify({ apiKey: OPENAI })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      expectUnsupported(await client.request('/byok/openai', as('carol', 'PUT', json, type)))
    }
    expectUnsupported(await client.request('/byok', as('carol', 'DELETE', '', 'text/plain')))
    expect(await fx.vault.for({ userId: 'carol' }).list()).toEqual([])
    const stored = await client.request(
      '/byok/openai',
      as('carol', 'PUT', json, 'application/json; charset=utf-8'),
    )
    expect(stored.status).toBe(200)
    expect(await fx.vault.for({ userId: 'carol' }).has('openai')).toBe(true)
  })
})
