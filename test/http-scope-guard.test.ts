import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { type Context, Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import * as expressKw from '../packages/keywarden/src/http/express.js'
import * as fastifyKw from '../packages/keywarden/src/http/fastify.js'
import { apiKeyAuth, requireScopes } from '../packages/keywarden/src/http/hono.js'
import { createKeywarden, type Keywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'

describe('scope guards after apiKeyAuth', () => {
  it('apply the warden hierarchy and spend nothing more than the one verification', async () => {
    const warden = createKeywarden({
      store: memoryStore(),
      prefix: 'sg',
      lastUsed: false,
      scopes: { hierarchy: { 'admin:all': ['users:*'] } },
    })
    const admin = await warden.keys.create({ name: 'a', scopes: ['admin:all'], remaining: 5 })
    const reader = await warden.keys.create({ name: 'r', scopes: ['posts:read'], remaining: 5 })
    const app = new Hono()
    app.use('*', apiKeyAuth({ warden }))
    app.delete('/users/:id', requireScopes('users:delete'), (c) => c.json({ ok: true }))
    const call = (key: string) => app.request('/users/1', { method: 'DELETE', headers: { 'x-api-key': key } })

    expect((await call(admin.key)).status).toBe(200)
    expect((await warden.keys.get(admin.record.id))?.remaining).toBe(4)
    const refused = await call(reader.key)
    expect(refused.status).toBe(403)
    expect(JSON.stringify(await refused.json())).toContain('users:delete')
    expect((await warden.keys.get(reader.record.id))?.remaining).toBe(4)
    expect(warden.keys.missingScopes(['admin:all'], ['users:read', 'billing:read'])).toEqual(['billing:read'])
    expect(warden.keys.missingScopes(['admin:all'], ['users:read', 'billing:read'], 'any')).toEqual([])
  })
})

/**
 * Two wardens over one store (same records), different hierarchies. Request A is verified by the
 * ranked warden and held before its scope guard while request B is verified by the flat one; the
 * guard of A must still apply the warden that verified A.
 */
describe.each(['hono', 'express', 'fastify'] as const)(
  'scope guards on %s are bound to their warden',
  (name) => {
    it('a request verified by another warden in between does not change the hierarchy applied', async () => {
      const store = memoryStore()
      const ranked = createKeywarden({
        store,
        prefix: 'bw',
        lastUsed: false,
        scopes: { hierarchy: { 'admin:all': ['users:*'] } },
      })
      const flat = createKeywarden({ store, prefix: 'bw', lastUsed: false })
      const { key } = await ranked.keys.create({ name: 'boss', scopes: ['admin:all'] })
      let release = () => {}
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      let arrived = () => {}
      const atGate = new Promise<void>((resolve) => {
        arrived = resolve
      })
      const gate = async () => {
        arrived()
        await held
      }
      const call = await serve(name, { ranked, flat, gate })
      try {
        const first = call('/a', key)
        await atGate
        expect(await call('/b', key)).toBe(200)
        release()
        expect(await first).toBe(200)
        // And the flat warden's own guard does not borrow the ranked hierarchy.
        expect(await call('/c', key)).toBe(403)
      } finally {
        await call.close()
      }
    })
  },
)

type Wardens = { ranked: Keywarden; flat: Keywarden; gate: () => Promise<void> }
type Caller = ((path: string, key: string) => Promise<number>) & { close(): Promise<void> }

function caller(fn: (path: string, key: string) => Promise<number>, close: () => Promise<void>): Caller {
  return Object.assign(fn, { close })
}

/** /a: ranked warden, held at the gate, then requireScopes; /b: flat warden, no guard; /c: flat + guard. */
async function serve(name: 'hono' | 'express' | 'fastify', { ranked, flat, gate }: Wardens): Promise<Caller> {
  if (name === 'hono') {
    const app = new Hono()
    app.get(
      '/a',
      apiKeyAuth({ warden: ranked }),
      (_c, next) => gate().then(next),
      requireScopes('users:delete'),
      ok,
    )
    app.get('/b', apiKeyAuth({ warden: flat }), ok)
    app.get('/c', apiKeyAuth({ warden: flat }), requireScopes('users:delete'), ok)
    const fn = async (path: string, key: string) =>
      (await app.request(path, { headers: { 'x-api-key': key } })).status
    return caller(fn, async () => {})
  }
  if (name === 'express') {
    const app = express()
    const done = (_req: unknown, res: express.Response) => void res.json({ ok: true })
    const wait = (_req: unknown, _res: unknown, next: () => void) => void gate().then(next)
    app.get(
      '/a',
      expressKw.apiKeyAuth({ warden: ranked }),
      wait,
      expressKw.requireScopes('users:delete'),
      done,
    )
    app.get('/b', expressKw.apiKeyAuth({ warden: flat }), done)
    app.get('/c', expressKw.apiKeyAuth({ warden: flat }), expressKw.requireScopes('users:delete'), done)
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const fn = async (path: string, key: string) =>
      (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-api-key': key } })).status
    return caller(fn, () => new Promise((resolve) => server.close(() => resolve())))
  }
  const app = Fastify()
  const done = async () => ({ ok: true })
  await app.register(async (scope) => {
    await scope.register(fastifyKw.apiKeyAuth({ warden: ranked }))
    scope.get('/a', { preHandler: [gate, fastifyKw.requireScopes('users:delete')] }, done)
  })
  await app.register(async (scope) => {
    await scope.register(fastifyKw.apiKeyAuth({ warden: flat }))
    scope.get('/b', done)
    scope.get('/c', { preHandler: fastifyKw.requireScopes('users:delete') }, done)
  })
  const fn = async (path: string, key: string) =>
    (await app.inject({ method: 'GET', url: path, headers: { 'x-api-key': key } })).statusCode
  return caller(fn, () => app.close())
}

const ok = (c: Context) => c.json({ ok: true })
