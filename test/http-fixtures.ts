/**
 * One app, built the same way on Hono, Express and Fastify, and a client per framework that
 * sends in-process requests (Hono app.request, Fastify inject, Express over 127.0.0.1:0).
 * Every response and every log line is captured so the tests can scan them for plaintext keys.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type RequestListener, type Server } from 'node:http'
import { connect } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import type { RejectInfo } from '../packages/keywarden/src/http/core.js'
import * as expressKw from '../packages/keywarden/src/http/express.js'
import * as fastifyKw from '../packages/keywarden/src/http/fastify.js'
import * as honoKw from '../packages/keywarden/src/http/hono.js'
import { createKeywarden, type Keywarden, StoreError } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'
import { createVault, type Vault } from '../packages/keywarden/src/vault/index.js'
import { managementMounts } from './http-owner-mounts.js'
import { verifyMounts } from './http-verify-mounts.js'

export interface Sent {
  method?: string
  /** Pairs, so a header can be repeated. */
  headers?: Array<[string, string]>
  body?: unknown
  /** Express only: send to a second server with Node's insecureHTTPParser (lets NUL bytes reach the app). */
  lenientParser?: boolean
}

export interface Got {
  status: number
  headers: Record<string, string>
  text: string
  json(): any
}

export interface Client {
  request(path: string, sent?: Sent): Promise<Got>
  close(): Promise<void>
}

export interface Captured {
  /** Everything a test could see: response bodies and headers, onReject infos, logs. */
  texts: Array<{ text: string; mayHoldKey: boolean }>
  rejects: RejectInfo[]
  errors: string[]
}

export interface Fixture {
  clock: { now: Date }
  warden: Keywarden
  /** Its store throws StoreError on every read. */
  brokenWarden: Keywarden
  /** Its store throws a plain TypeError. */
  crashingWarden: Keywarden
  vault: Vault
  captured: Captured
  /** Every plaintext key that exists, issued or provider, to scan for. */
  secrets: Set<string>
  keys: {
    admin: string
    alice: string
    bob: string
    reader: string
    writer: string
    expiring: string
    revoked: string
    /** One verification per minute. */
    limited: string
    /** No credits left. */
    broke: string
  }
  aliceKeyId: string
}

function brokenStore(make: () => Error): KeyStore {
  // No synchronous peek: every lookup goes through the failing async methods.
  const { peekKeyByHash: _peek, ...store } = memoryStore()
  const fail = async (): Promise<never> => {
    throw make()
  }
  return {
    ...store,
    getKeyByHash: fail,
    getKeyById: fail,
    listKeys: fail,
    updateKey: fail,
    deleteKey: fail,
    createKey: fail,
  }
}

export async function makeFixture(): Promise<Fixture> {
  const clock = { now: new Date('2026-01-01T00:00:00.000Z') }
  const now = () => new Date(clock.now)
  const warden = createKeywarden({ store: memoryStore(), prefix: 'kwt', lastUsed: false, now })
  const brokenWarden = createKeywarden({
    // Store details go to onReject/onError for the operator, never into a response.
    store: brokenStore(() => new StoreError('could not reach PostgreSQL at 127.0.0.1:5432 (ECONNREFUSED)')),
    prefix: 'kwt',
    lastUsed: false,
  })
  const crashingWarden = createKeywarden({
    store: brokenStore(() => new TypeError("Cannot read properties of undefined (reading 'rows')")),
    prefix: 'kwt',
    lastUsed: false,
  })
  // One hub: provider-key changes land in the warden's audit log too.
  const vault = createVault({
    secret: randomBytes(32).toString('base64'),
    store: memoryStore(),
    now,
    events: warden.events,
  })
  const secrets = new Set<string>()
  const issue = async (input: Parameters<Keywarden['keys']['create']>[0]) => {
    const created = await warden.keys.create(input)
    secrets.add(created.key)
    return created
  }
  const admin = await issue({ name: 'admin', scopes: ['keywarden:admin'] })
  const alice = await issue({ name: 'alice', ownerId: 'alice', scopes: ['users:read'] })
  const bob = await issue({ name: 'bob', ownerId: 'bob', scopes: ['users:read'] })
  const reader = await issue({ name: 'reader', scopes: ['users:read'] })
  const writer = await issue({ name: 'writer', scopes: ['users:*', 'billing:read'] })
  const expiring = await issue({ name: 'expiring', expiresAt: new Date(clock.now.getTime() + 60_000) })
  const revoked = await issue({ name: 'revoked' })
  const limited = await issue({
    name: 'limited',
    rateLimits: [{ name: 'burst', limit: 1, windowMs: 60_000 }],
  })
  const broke = await issue({ name: 'broke', remaining: 0 })
  await warden.keys.revoke(revoked.record.id)
  return {
    clock,
    warden,
    brokenWarden,
    crashingWarden,
    vault,
    captured: { texts: [], rejects: [], errors: [] },
    secrets,
    keys: {
      admin: admin.key,
      alice: alice.key,
      bob: bob.key,
      reader: reader.key,
      writer: writer.key,
      expiring: expiring.key,
      revoked: revoked.key,
      limited: limited.key,
      broke: broke.key,
    },
    aliceKeyId: alice.record.id,
  }
}

/** x-user: root -> admin; any other value -> that owner; none -> nobody. */
function callerFrom(value: string | null | undefined) {
  if (!value) return null
  return value === 'root' ? { admin: true as const } : { ownerId: value }
}

/** The options of the `/keys` (with OWNER_POLICY) and `/plain-keys` mounts. */
function ownerMounts<Req>(fixture: Fixture, user: (request: Req) => string | null | undefined) {
  return managementMounts(fixture, (request: Req) => callerFrom(user(request)), hooks(fixture).onError)
}

function identityFrom(value: string | null | undefined) {
  return value ? { userId: value } : null
}

export const ADD_KEY_URL = '/settings/keys'

export interface Driver {
  name: 'hono' | 'hono-node' | 'express' | 'fastify'
  /** socket: a real Node HTTP server on 127.0.0.1:0, whose own parser refuses some bytes. */
  transport: 'in-process' | 'socket'
  start(fixture: Fixture): Promise<Client>
}

function hooks(fixture: Fixture) {
  return {
    onReject: (info: RejectInfo) => {
      fixture.captured.rejects.push(info)
    },
    onError: (error: unknown) => {
      fixture.captured.errors.push(`${(error as Error)?.name}: ${(error as Error)?.message}`)
    },
  }
}

// ---------------------------------------------------------------------------------------------- hono

function honoApp(fixture: Fixture): Hono {
  const kw = honoKw
  const { onReject, onError } = hooks(fixture)
  const { warden, vault } = fixture
  const identify = (c: any) => identityFrom(c.req.header('x-user'))
  const app = new Hono()
  const auth = kw.apiKeyAuth({ warden, onReject })
  const echo = (c: any) => c.json({ id: c.get('apiKey')?.id ?? null })
  app.get('/protected', auth, echo)
  app.get('/optional', kw.apiKeyAuth({ warden, optional: true, onReject }), echo)
  app.get('/scoped-all', auth, kw.requireScopes('users:read', 'users:write'), echo)
  app.get('/scoped-any', auth, kw.requireAnyScope('billing:read', 'admin:read'), echo)
  app.get('/custom', kw.apiKeyAuth({ warden, header: 'X-Custom-Key', bearer: false, onReject }), echo)
  app.get('/broken', kw.apiKeyAuth({ warden: fixture.brokenWarden, onReject }), echo)
  app.get('/crashing', kw.apiKeyAuth({ warden: fixture.crashingWarden, onReject }), echo)
  app.get('/ai', kw.requireProviderKey('openai', { vault, identify, addKeyUrl: ADD_KEY_URL, onError }), (c) =>
    c.json({ ok: true }),
  )
  app.get('/ai-any', kw.requireAnyProviderKey(['anthropic', 'groq'], { vault, identify, onError }), (c) =>
    c.json({ ok: true }),
  )
  app.get('/secure', kw.requireHttps(), (c) => c.json({ ok: true }))
  app.get('/secure-proxy', kw.requireHttps({ trustProxy: true }), (c) => c.json({ ok: true }))
  const mounts = ownerMounts<any>(fixture, (c) => c.req.header('x-user'))
  app.route('/keys', kw.managementRoutes(mounts.keys))
  app.route('/plain-keys', kw.managementRoutes(mounts.plain))
  app.route('/closed', kw.managementRoutes({ warden, onError }))
  app.route(
    '/broken-keys',
    kw.managementRoutes({ warden: fixture.brokenWarden, authorize: () => ({ admin: true }), onError }),
  )
  app.route('/byok', kw.byokRoutes({ vault, identify, onError }))
  app.route('/reports', kw.reportRoutes(mounts.plain))
  app.route('/closed-reports', kw.reportRoutes({ warden, onError }))
  for (const [path, options] of verifyMounts<any>(fixture, (c) => c.req.header('x-user'), onError))
    app.route(path, kw.verifyRoutes(options))
  return app
}

const honoDriver: Driver = {
  name: 'hono',
  transport: 'in-process',
  async start(fixture) {
    const app = honoApp(fixture)
    return {
      async request(path, sent = {}) {
        const { method = 'GET', body } = sent
        const headers = withJsonType(sent)
        const map = new Map<string, string>()
        const real = new Headers()
        let fake = false
        for (const [name, value] of headers) {
          const lower = name.toLowerCase()
          map.set(lower, map.has(lower) ? `${map.get(lower)}, ${value}` : value)
          try {
            real.append(name, value)
          } catch {
            fake = true // the fetch API refuses it (e.g. NUL); hand Hono the raw value anyway
          }
        }
        const payload =
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
        const base = path.startsWith('https:') ? path : `http://localhost${path}`
        const request = new Request(base, { method, headers: fake ? undefined : real, body: payload })
        if (fake) {
          Object.defineProperty(request, 'headers', {
            value: {
              get: (n: string) => map.get(n.toLowerCase()) ?? null,
              has: (n: string) => map.has(n.toLowerCase()),
            },
          })
        }
        const response = await app.fetch(request)
        return toGot(response.status, Object.fromEntries(response.headers), await response.text())
      },
      async close() {},
    }
  },
}

// ---------------------------------------------------------------------------------------------- express

const expressDriver: Driver = {
  name: 'express',
  transport: 'socket',
  async start(fixture) {
    const kw = expressKw
    const { onReject, onError } = hooks(fixture)
    const { warden, vault } = fixture
    const identify = (req: express.Request) => identityFrom(req.get('x-user'))
    const app = express()
    const auth = kw.apiKeyAuth({ warden, onReject })
    const echo = (req: express.Request, res: express.Response) => {
      res.json({ id: req.apiKey?.id ?? null })
    }
    const ok = (_req: express.Request, res: express.Response) => {
      res.json({ ok: true })
    }
    app.get('/protected', auth, echo)
    app.get('/optional', kw.apiKeyAuth({ warden, optional: true, onReject }), echo)
    app.get('/scoped-all', auth, kw.requireScopes('users:read', 'users:write'), echo)
    app.get('/scoped-any', auth, kw.requireAnyScope('billing:read', 'admin:read'), echo)
    app.get('/custom', kw.apiKeyAuth({ warden, header: 'X-Custom-Key', bearer: false, onReject }), echo)
    app.get('/broken', kw.apiKeyAuth({ warden: fixture.brokenWarden, onReject }), echo)
    app.get('/crashing', kw.apiKeyAuth({ warden: fixture.crashingWarden, onReject }), echo)
    app.get('/ai', kw.requireProviderKey('openai', { vault, identify, addKeyUrl: ADD_KEY_URL, onError }), ok)
    app.get('/ai-any', kw.requireAnyProviderKey(['anthropic', 'groq'], { vault, identify, onError }), ok)
    app.get('/secure', kw.requireHttps(), ok)
    app.get('/secure-proxy', kw.requireHttps({ trustProxy: true }), ok)
    const mounts = ownerMounts<express.Request>(fixture, (req) => req.get('x-user'))
    app.use('/keys', kw.managementRoutes(mounts.keys))
    app.use('/plain-keys', kw.managementRoutes(mounts.plain))
    app.use('/closed', kw.managementRoutes({ warden, onError }))
    app.use(
      '/broken-keys',
      kw.managementRoutes({ warden: fixture.brokenWarden, authorize: () => ({ admin: true }), onError }),
    )
    app.use('/byok', kw.byokRoutes({ vault, identify, onError }))
    app.use('/reports', kw.reportRoutes(mounts.plain))
    app.use('/closed-reports', kw.reportRoutes({ warden, onError }))
    for (const [path, options] of verifyMounts<express.Request>(fixture, (req) => req.get('x-user'), onError))
      app.use(path, kw.verifyRoutes(options))
    return socketClient(app)
  },
}

/** Hono on @hono/node-server: the same app, reached over real sockets (apiKeyAuth reads c.env.incoming). */
const honoNodeDriver: Driver = {
  name: 'hono-node',
  transport: 'socket',
  async start(fixture) {
    return socketClient(getRequestListener(honoApp(fixture).fetch))
  },
}

/**
 * Serves a Node request listener on 127.0.0.1:0 (and on a second port with insecureHTTPParser);
 * fetch for ordinary requests, a raw socket for bytes fetch will not send.
 */
async function socketClient(listener: RequestListener): Promise<Client> {
  const server: Server = createServer(listener).listen(0, '127.0.0.1')
  const lenient: Server = createServer({ insecureHTTPParser: true }, listener).listen(0, '127.0.0.1')
  await Promise.all([once(server, 'listening'), once(lenient, 'listening')])
  const { port } = server.address() as { port: number }
  const lenientPort = (lenient.address() as { port: number }).port
  return {
    async request(path, sent = {}) {
      const { method = 'GET', body, lenientParser } = sent
      const headers = withJsonType(sent)
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
      if (lenientParser) return rawRequest(lenientPort, method, path, headers, payload)
      const names = headers.map(([n]) => n.toLowerCase())
      const plain =
        new Set(names).size === names.length && headers.every(([, v]) => /^[\t\x20-\x7e]*$/.test(v))
      if (plain && !path.startsWith('https:')) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body: payload })
        return toGot(response.status, Object.fromEntries(response.headers), await response.text())
      }
      return rawRequest(port, method, path, headers, payload)
    },
    async close() {
      for (const s of [server, lenient]) {
        s.closeAllConnections()
        s.close()
      }
    },
  }
}

/** HTTP/1.0 over a socket, for what fetch will not send: repeated, NUL or non-ASCII header bytes. */
async function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Array<[string, string]>,
  payload: string | undefined,
): Promise<Got> {
  const lines = [
    `${method} ${path} HTTP/1.0`,
    `host: 127.0.0.1:${port}`,
    ...headers.map(([n, v]) => `${n}: ${v}`),
  ]
  if (payload !== undefined) lines.push(`content-length: ${Buffer.byteLength(payload)}`)
  const socket = connect({ host: '127.0.0.1', port })
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'))
  if (payload !== undefined) socket.write(payload)
  await once(socket, 'end')
  socket.destroy()
  const all = Buffer.concat(chunks).toString('utf8')
  const split = all.indexOf('\r\n\r\n')
  const [statusLine, ...headerLines] = all.slice(0, split).split('\r\n')
  const status = Number(statusLine?.split(' ')[1])
  const got: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    got[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return toGot(status, got, all.slice(split + 4))
}

// ---------------------------------------------------------------------------------------------- fastify

const fastifyDriver: Driver = {
  name: 'fastify',
  transport: 'in-process',
  async start(fixture) {
    const kw = fastifyKw
    const { onReject, onError } = hooks(fixture)
    const { warden, vault } = fixture
    const identify = (request: any) => identityFrom(request.headers['x-user'] as string | undefined)
    const app = Fastify()
    const echo = async (request: any) => ({ id: request.apiKey?.id ?? null })
    const ok = async () => ({ ok: true })
    await app.register(async (scope) => {
      await scope.register(kw.apiKeyAuth({ warden, onReject }))
      scope.get('/protected', echo)
      scope.get('/scoped-all', { preHandler: kw.requireScopes('users:read', 'users:write') }, echo)
      scope.get('/scoped-any', { preHandler: kw.requireAnyScope('billing:read', 'admin:read') }, echo)
    })
    await app.register(async (scope) => {
      await scope.register(kw.apiKeyAuth({ warden, optional: true, onReject }))
      scope.get('/optional', echo)
    })
    await app.register(async (scope) => {
      await scope.register(kw.apiKeyAuth({ warden, header: 'X-Custom-Key', bearer: false, onReject }))
      scope.get('/custom', echo)
    })
    await app.register(async (scope) => {
      await scope.register(kw.apiKeyAuth({ warden: fixture.brokenWarden, onReject }))
      scope.get('/broken', echo)
    })
    await app.register(async (scope) => {
      await scope.register(kw.apiKeyAuth({ warden: fixture.crashingWarden, onReject }))
      scope.get('/crashing', echo)
    })
    app.get(
      '/ai',
      { preHandler: kw.requireProviderKey('openai', { vault, identify, addKeyUrl: ADD_KEY_URL, onError }) },
      ok,
    )
    app.get(
      '/ai-any',
      { preHandler: kw.requireAnyProviderKey(['anthropic', 'groq'], { vault, identify, onError }) },
      ok,
    )
    app.get('/secure', { onRequest: kw.requireHttps() }, ok)
    app.get('/secure-proxy', { onRequest: kw.requireHttps({ trustProxy: true }) }, ok)
    const mounts = ownerMounts<any>(fixture, (request) => request.headers['x-user'] as string | undefined)
    await app.register(kw.managementRoutes(mounts.keys), { prefix: '/keys' })
    await app.register(kw.managementRoutes(mounts.plain), { prefix: '/plain-keys' })
    await app.register(kw.managementRoutes({ warden, onError }), { prefix: '/closed' })
    await app.register(
      kw.managementRoutes({ warden: fixture.brokenWarden, authorize: () => ({ admin: true }), onError }),
      { prefix: '/broken-keys' },
    )
    await app.register(kw.byokRoutes({ vault, identify, onError }), { prefix: '/byok' })
    await app.register(kw.reportRoutes(mounts.plain), { prefix: '/reports' })
    await app.register(kw.reportRoutes({ warden, onError }), { prefix: '/closed-reports' })
    const user = (request: any) => request.headers['x-user'] as string | undefined
    for (const [path, options] of verifyMounts<any>(fixture, user, onError))
      await app.register(kw.verifyRoutes(options), { prefix: path })
    await app.ready()
    return {
      async request(path, sent = {}) {
        const { method = 'GET', body } = sent
        const headers = withJsonType(sent)
        const object: Record<string, string | string[]> = {}
        for (const [name, value] of headers) {
          const lower = name.toLowerCase()
          const prior = object[lower]
          object[lower] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value]
        }
        const payload =
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
        const response = await app.inject({ method: method as 'GET', url: path, headers: object, payload })
        const got: Record<string, string> = {}
        for (const [name, value] of Object.entries(response.headers)) got[name] = String(value)
        return toGot(response.statusCode, got, response.body)
      },
      async close() {
        await app.close()
      },
    }
  },
}

/** An object body goes out as JSON, as any client sends it; a string body goes out as given. */
function withJsonType(sent: Sent): Array<[string, string]> {
  const headers = sent.headers ?? []
  if (sent.body === undefined || typeof sent.body === 'string') return headers
  if (headers.some(([name]) => name.toLowerCase() === 'content-type')) return headers
  return [...headers, ['content-type', 'application/json']]
}

function toGot(status: number, headers: Record<string, string>, text: string): Got {
  return {
    status,
    headers,
    text,
    json: () => JSON.parse(text),
  }
}

export const drivers: Driver[] = [honoDriver, honoNodeDriver, expressDriver, fastifyDriver]

/** Wraps a client so everything it receives is captured for the final plaintext scan. */
export function capturing(client: Client, captured: Captured): Client {
  return {
    async request(path, sent) {
      const got = await client.request(path, sent)
      const mayHoldKey =
        got.status === 201 &&
        (sent?.method ?? 'GET') === 'POST' &&
        (/\/roll$/.test(path) || /^\/(keys|plain-keys|closed)$/.test(path))
      captured.texts.push({ text: `${JSON.stringify(got.headers)}\n${got.text}`, mayHoldKey })
      return got
    },
    close: () => client.close(),
  }
}
