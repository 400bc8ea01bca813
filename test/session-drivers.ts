// Test SessionLikes that go through real session middleware: every get/set/delete is one real
// request carrying the session cookie, so values round-trip through the middleware's own storage.
import type { AddressInfo } from 'node:net'
import fastifyCookie from '@fastify/cookie'
import fastifySessionPlugin from '@fastify/session'
import express from 'express'
import session from 'express-session'
import Fastify from 'fastify'
import { expressSession } from '../packages/keywarden/src/stores/session/express.js'
import { fastifySession } from '../packages/keywarden/src/stores/session/fastify.js'
import type { SealedCookies } from '../packages/keywarden/src/stores/session/sealed-cookie.js'
import type { SessionLike } from '../packages/keywarden/src/stores/types.js'

const SESSION_SECRET = 'test-session-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0'

interface Op {
  op: 'get' | 'set' | 'delete'
  key: string
  value?: unknown
}

function runOp(target: SessionLike, { op, key, value }: Op): unknown {
  if (op === 'get') return target.get(key) ?? null
  if (op === 'set') target.set(key, value)
  else target.delete(key)
  return null
}

/** The `name=value` part of a Set-Cookie header. */
function cookiePair(setCookie: string | string[] | undefined | null): string | null {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie
  return header ? (header.split(';')[0] as string) : null
}

export interface SessionDriver {
  session(): SessionLike
  close(): Promise<void>
}

/** express 5 + express-session with its MemoryStore, over real HTTP on 127.0.0.1. */
export async function expressDriver(): Promise<SessionDriver & { store: session.MemoryStore }> {
  const store = new session.MemoryStore()
  const app = express()
  app.use(express.json({ limit: '1mb' }))
  app.use(
    session({
      store,
      secret: SESSION_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { secure: false },
    }),
  )
  app.post('/op', (req, res) => {
    res.json({ value: runOp(expressSession(req.session), req.body as Op) })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/op`

  return {
    store,
    session() {
      let cookie: string | null = null
      const call = async (op: Op) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
          body: JSON.stringify(op),
        })
        if (!response.ok) throw new Error(`express session op failed: ${response.status}`)
        cookie = cookiePair(response.headers.get('set-cookie')) ?? cookie
        return ((await response.json()) as { value: unknown }).value
      }
      return {
        get: (key) => call({ op: 'get', key }),
        set: async (key, value) => void (await call({ op: 'set', key, value })),
        delete: async (key) => void (await call({ op: 'delete', key })),
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** fastify 5 + @fastify/cookie + @fastify/session (its default memory store), driven with inject. */
export async function fastifyDriver(): Promise<SessionDriver> {
  const app = Fastify({ bodyLimit: 1024 * 1024 })
  await app.register(fastifyCookie)
  await app.register(fastifySessionPlugin, {
    secret: SESSION_SECRET,
    cookie: { secure: false },
    saveUninitialized: false,
  })
  app.post('/op', async (request) => ({ value: runOp(fastifySession(request.session), request.body as Op) }))
  await app.ready()

  return {
    session() {
      let cookie: string | null = null
      const call = async (op: Op) => {
        const response = await app.inject({
          method: 'POST',
          url: '/op',
          headers: cookie ? { cookie } : {},
          payload: op as unknown as Record<string, unknown>,
        })
        if (response.statusCode !== 200) throw new Error(`fastify session op failed: ${response.statusCode}`)
        cookie = cookiePair(response.headers['set-cookie']) ?? cookie
        return (response.json() as { value: unknown }).value
      }
      return {
        get: (key) => call({ op: 'get', key }),
        set: async (key, value) => void (await call({ op: 'set', key, value })),
        delete: async (key) => void (await call({ op: 'delete', key })),
      }
    },
    close: () => app.close(),
  }
}

/** A browser's cookie jar in front of a sealed cookie: each op opens the cookie, each write re-seals it. */
export function sealedCookieBrowser(cookies: SealedCookies): SessionLike & { cookie(): string | null } {
  let jar: string | null = null
  const write = (apply: (session: SessionLike) => void) => {
    const opened = cookies.open(jar)
    apply(opened)
    const pair = cookiePair(opened.commit())
    if (pair !== null) jar = pair.endsWith('=') ? null : pair
  }
  return {
    cookie: () => jar,
    get: (key) => cookies.open(jar).get(key),
    set: (key, value) => write((s) => s.set(key, value)),
    delete: (key) => write((s) => s.delete(key)),
  }
}
