/**
 * The server's audit trail (#14): sign-ins, dashboard changes, API changes, BYOK and resolves
 * appear with the right actor and request id; /api/usage and /api/audit; no entry holds a secret.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Browser, memoryServer } from './server-helpers.js'

const OPENAI = 'sk-proj-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1g'
const ANTHROPIC =
  'sk-ant-api03-Zq0xW9vU8tS7rQ6pO5nM4lK3jJ2iH1gF0eD9cB8aZ7yX6wV5uT4sR3qP2oN1mL0kJ9iH8gF7eD6cB5aZ4yX3wV2uT1sR0qP9oN8mL7kJ6iH5g-AAAA'

function api(app: { request: (url: string, init?: RequestInit) => Response | Promise<Response> }) {
  return (
    path: string,
    key: string | null,
    init: RequestInit & { json?: unknown; requestId?: string } = {},
  ) => {
    const headers = new Headers(init.headers)
    if (key) headers.set('x-api-key', key)
    if (init.requestId) headers.set('x-request-id', init.requestId)
    if (init.json !== undefined) headers.set('content-type', 'application/json')
    const body = init.json === undefined ? init.body : JSON.stringify(init.json)
    return app.request(`http://127.0.0.1:3000${path}`, { ...init, headers, body })
  }
}

describe('the audit trail of the server', () => {
  it('records sign-ins, dashboard, API, BYOK and resolve changes with their actors, and never a secret', async () => {
    const { app, warden } = memoryServer()
    const call = api(app)
    const admin = await warden.keys.create({ name: 'admin', scopes: ['keywarden:admin'] })
    const owner = await warden.keys.create({ name: 'own', ownerId: 'u1', scopes: ['keywarden:byok'] })
    const victim = await warden.keys.create({ name: 'victim', ownerId: 'u1' })
    const secrets = [admin.key, owner.key, victim.key]

    // A refused sign-in: session.failed with the code, never the key presented.
    const browser = new Browser(app)
    expect((await browser.signIn(victim.key)).status).toBe(401)
    expect((await browser.signIn(admin.key)).status).toBe(303)
    const csrf = await browser.csrfToken()
    const revoked = await browser.request(`/dashboard/keys/${victim.record.id}/revoke`, {
      form: { _csrf: csrf },
      headers: { 'x-request-id': 'dash-1' },
    })
    expect(revoked.status).toBeLessThan(400)
    const saved = await browser.request('/dashboard/providers/anthropic', {
      form: { _csrf: csrf, key: ANTHROPIC },
    })
    expect(saved.status).toBeLessThan(400)

    // The management API with the admin key and a request id; without one the server's id is used.
    const created = await call('/api/keys', admin.key, {
      method: 'POST',
      json: { name: 'api' },
      requestId: 'api-1',
    })
    expect(created.status).toBe(201)
    const apiKey = (await created.json()) as { key: string; record: { id: string } }
    secrets.push(apiKey.key)
    expect((await call(`/api/keys/${apiKey.record.id}/revoke`, admin.key, { method: 'POST' })).status).toBe(
      200,
    )

    // BYOK with the owner's key, then a resolve by the admin key.
    const put = await call('/api/byok/openai', owner.key, { method: 'PUT', json: { apiKey: OPENAI } })
    expect(put.status).toBe(200)
    const resolved = await call('/api/byok/resolve', admin.key, {
      method: 'POST',
      json: { ownerId: 'u1', provider: 'openai' },
      requestId: 'res-1',
    })
    expect(resolved.status).toBe(200)

    const { items } = await warden.audit.list({ limit: 1000 })
    const find = (action: string, targetId?: string) =>
      items.find((e) => e.action === action && (targetId === undefined || e.target.id === targetId))

    const failed = find('session.failed')
    expect(failed).toMatchObject({ actor: { type: 'system' }, detail: { code: 'INSUFFICIENT_SCOPES' } })
    expect(failed?.target.id).toBe(victim.record.id)
    expect(find('session.created')).toMatchObject({ actor: { type: 'session', id: admin.record.id } })

    expect(find('key.revoked', victim.record.id)).toMatchObject({
      actor: { type: 'session', id: admin.record.id },
      requestId: 'dash-1',
      ownerId: 'u1',
    })
    expect(find('key.created', apiKey.record.id)).toMatchObject({
      actor: { type: 'key', id: admin.record.id },
      requestId: 'api-1',
    })
    const apiRevoke = find('key.revoked', apiKey.record.id)
    expect(apiRevoke?.actor).toMatchObject({ type: 'key', id: admin.record.id })
    expect(apiRevoke?.requestId).toMatch(/^[0-9a-f-]{36}$/) // the server's own request id
    expect(find('secret.put', `user:key:${admin.record.id}/anthropic`)).toMatchObject({
      actor: { type: 'session', id: admin.record.id },
    })
    expect(find('secret.put', 'user:u1/openai')).toMatchObject({
      actor: { type: 'key', id: owner.record.id },
      ownerId: 'u1',
    })
    expect(find('secret.resolved', 'user:u1/openai')).toMatchObject({
      actor: { type: 'key', id: admin.record.id },
      requestId: 'res-1',
      ownerId: 'u1',
      detail: { source: 'user', ref: expect.stringMatching(/^user:u1\/openai@[0-9a-f]{8}$/) },
    })

    // /api/audit answers the same entries to an admin key; owners' keys are refused (admin only).
    const listed = await call('/api/audit?action=secret.resolved', admin.key)
    expect(listed.status).toBe(200)
    const body = (await listed.json()) as { items: Array<{ target: { id: string } }> }
    expect(body.items.map((e) => e.target.id)).toEqual(['user:u1/openai'])
    expect((await call('/api/audit', owner.key)).status).toBe(401)
    expect((await call('/api/usage', owner.key)).status).toBe(401)
    const usage = await call(`/api/keys/${owner.record.id}/usage`, admin.key)
    expect(usage.status).toBe(200)
    expect(((await usage.json()) as { totals: { valid: number } }).totals.valid).toBeGreaterThanOrEqual(1)
    expect((await call('/api/usage?granularity=day', admin.key)).status).toBe(200)

    // The scan: no plaintext key, hash or provider key in any entry or in the audit answer.
    const text = `${JSON.stringify(items)}\n${JSON.stringify(body)}`
    const hashes = secrets.map((s) => createHash('sha256').update(s).digest('hex'))
    expect([...secrets, ...hashes, OPENAI, ANTHROPIC].filter((s) => text.includes(s))).toEqual([])
    expect(items.length).toBeGreaterThan(6)
  })

  it('documents /api/usage and /api/audit in /openapi.json', async () => {
    const { app } = memoryServer()
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/usage', '/api/audit', '/api/keys/{id}/usage']),
    )
  })
})
