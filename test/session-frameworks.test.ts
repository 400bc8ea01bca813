import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import fastifyCookie from '@fastify/cookie'
import fastifySessionPlugin from '@fastify/session'
import express from 'express'
import session from 'express-session'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { hybridStore } from '../packages/keywarden/src/stores/hybrid.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import {
  expressSession,
  fastifySession,
  sealedCookieSession,
  sessionStore,
} from '../packages/keywarden/src/stores/session.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'

const OPENAI = 'sk-proj-AbCdEf0123456789AbCdEf0123456789'
const SESSION_SECRET = randomBytes(32).toString('hex')

describe('express + express-session', async () => {
  const sessions = new session.MemoryStore()
  const persistent = memoryStore()
  const vault = createVault({
    secret: randomBytes(32),
    store: hybridStore({ session: sessionStore(), persistent }),
  })
  const app = express()
  app.use(express.json())
  app.use(
    session({
      store: sessions,
      secret: SESSION_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { secure: false },
    }),
  )
  const handle = (req: express.Request) =>
    vault.for({ userId: req.get('x-user') ?? null, session: expressSession(req.session) })
  app.put('/keys/:provider', async (req, res) => {
    res.json(await handle(req).set(req.params.provider as string, req.body.apiKey))
  })
  app.get('/keys/:provider', async (req, res) => {
    res.json({ apiKey: await handle(req).get(req.params.provider as string) })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const client = (user?: string) => {
    let cookie = ''
    return async (method: string, path: string, body?: unknown) => {
      const response = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', cookie, ...(user ? { 'x-user': user } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie
      return (await response.json()) as Record<string, unknown>
    }
  }

  it('keeps an anonymous visitor’s key in their session only, encrypted', async () => {
    const visitor = client()
    expect(await visitor('PUT', '/keys/openai', { apiKey: OPENAI })).toMatchObject({ masked: 'sk-p…6789' })
    expect(await visitor('GET', '/keys/openai')).toEqual({ apiKey: OPENAI })
    expect(await client()('GET', '/keys/openai')).toEqual({ apiKey: null })
    expect(JSON.stringify((sessions as unknown as { sessions: object }).sessions)).not.toContain(OPENAI)
    expect((await persistent.scanSecrets({ limit: 10 })).items).toEqual([])
  })

  it('persists a signed-in user’s key and caches it in the session (hybrid)', async () => {
    const laptop = client('ann')
    await laptop('PUT', '/keys/openai', { apiKey: OPENAI })
    expect((await persistent.getSecret('user:ann', 'openai'))?.ciphertext).toMatch(/^kw1\.k1\./)
    // A second device (new session) reads it from the persistent store, and its session is warmed.
    const phone = client('ann')
    expect(await phone('GET', '/keys/openai')).toEqual({ apiKey: OPENAI })
    await persistent.deleteSecret('user:ann', 'openai')
    expect(await phone('GET', '/keys/openai')).toEqual({ apiKey: OPENAI })
    expect(await client('ann')('GET', '/keys/openai')).toEqual({ apiKey: null })
  })
})

describe('fastify + @fastify/session', async () => {
  const vault = createVault({ secret: randomBytes(32), store: sessionStore() })
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(fastifySessionPlugin, {
    secret: SESSION_SECRET,
    cookie: { secure: false },
    saveUninitialized: false,
  })
  app.put('/keys/:provider', async (request) => {
    const { provider } = request.params as { provider: string }
    return vault
      .for({ session: fastifySession(request.session) })
      .set(provider, (request.body as { apiKey: string }).apiKey)
  })
  app.get('/keys/:provider', async (request) => {
    const { provider } = request.params as { provider: string }
    return { apiKey: await vault.for({ session: fastifySession(request.session) }).get(provider) }
  })
  app.delete('/keys/:provider', async (request) => {
    const { provider } = request.params as { provider: string }
    return { deleted: await vault.for({ session: fastifySession(request.session) }).delete(provider) }
  })
  await app.ready()
  afterAll(() => app.close())

  it('sets, reads and deletes across requests with the session cookie', async () => {
    const put = await app.inject({ method: 'PUT', url: '/keys/openai', payload: { apiKey: OPENAI } })
    expect(put.statusCode).toBe(200)
    const cookie = String(put.headers['set-cookie']).split(';')[0] as string
    expect((await app.inject({ method: 'GET', url: '/keys/openai', headers: { cookie } })).json()).toEqual({
      apiKey: OPENAI,
    })
    expect((await app.inject({ method: 'GET', url: '/keys/openai' })).json()).toEqual({ apiKey: null })
    expect((await app.inject({ method: 'DELETE', url: '/keys/openai', headers: { cookie } })).json()).toEqual(
      { deleted: true },
    )
    expect((await app.inject({ method: 'GET', url: '/keys/openai', headers: { cookie } })).json()).toEqual({
      apiKey: null,
    })
  })
})

describe('hono + the sealed cookie', () => {
  const cookies = sealedCookieSession({ secret: randomBytes(32) })
  const vault = createVault({ secret: randomBytes(32), store: sessionStore() })
  const app = new Hono<{ Variables: { session: ReturnType<typeof cookies.open> } }>()
  app.use(async (c, next) => {
    const opened = cookies.open(c.req.header('cookie'))
    c.set('session', opened)
    await next()
    const setCookie = opened.commit()
    if (setCookie) c.header('Set-Cookie', setCookie, { append: true })
  })
  app.put('/keys/:provider', async (c) => {
    const { apiKey } = await c.req.json<{ apiKey: string }>()
    return c.json(await vault.for({ session: c.get('session') }).set(c.req.param('provider'), apiKey))
  })
  app.get('/keys/:provider', async (c) =>
    c.json({ apiKey: await vault.for({ session: c.get('session') }).get(c.req.param('provider')) }),
  )

  it('keeps the key in the browser, sealed, and reads it back on the next request', async () => {
    const put = await app.request('/keys/openai', { method: 'PUT', body: JSON.stringify({ apiKey: OPENAI }) })
    const setCookie = put.headers.get('set-cookie') as string
    expect(setCookie).toMatch(/HttpOnly; Secure; SameSite=Lax/)
    expect(setCookie).not.toContain(OPENAI)
    const cookie = setCookie.split(';')[0] as string
    expect(await (await app.request('/keys/openai', { headers: { cookie } })).json()).toEqual({
      apiKey: OPENAI,
    })
    expect(await (await app.request('/keys/openai')).json()).toEqual({ apiKey: null })
    // A read does not rewrite the cookie.
    expect((await app.request('/keys/openai', { headers: { cookie } })).headers.get('set-cookie')).toBeNull()
  })
})
