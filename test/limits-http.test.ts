import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as expressKw from '../packages/keywarden/src/http/express.js'
import * as fastifyKw from '../packages/keywarden/src/http/fastify.js'
import * as honoKw from '../packages/keywarden/src/http/hono.js'
import { openApiDocument } from '../packages/keywarden/src/http/openapi.js'
import { createKeywarden, type Keywarden } from '../packages/keywarden/src/index.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { KeyStore } from '../packages/keywarden/src/stores/types.js'

// The HTTP mapping of limit outcomes, the same on Hono, Express and Fastify, over a real SQLite
// store and an injected clock (so Retry-After is an exact number, not a range).

const WINDOW = 10_000
const T0 = Date.UTC(2031, 4, 1, 12, 0, 0)

interface Got {
  status: number
  headers: Record<string, string>
  body: any
}

type Request = (path: string, key: string) => Promise<Got>

interface Framework {
  name: string
  start(warden: Keywarden, lenient: Keywarden): Promise<{ request: Request; close(): Promise<void> }>
}

const ok = { ok: true }

const frameworks: Framework[] = [
  {
    name: 'hono',
    async start(warden, lenient) {
      const app = new Hono()
      app.get('/p', honoKw.apiKeyAuth({ warden }), (c) => c.json(ok))
      app.get('/lenient', honoKw.apiKeyAuth({ warden: lenient }), (c) => c.json(ok))
      return {
        async request(path, key) {
          const res = await app.request(path, { headers: { 'x-api-key': key } })
          return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() }
        },
        async close() {},
      }
    },
  },
  {
    name: 'express',
    async start(warden, lenient) {
      const app = express()
      app.get('/p', expressKw.apiKeyAuth({ warden }), (_req, res) => {
        res.json(ok)
      })
      app.get('/lenient', expressKw.apiKeyAuth({ warden: lenient }), (_req, res) => {
        res.json(ok)
      })
      const server = createServer(app)
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      const { port } = server.address() as AddressInfo
      return {
        async request(path, key) {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-api-key': key } })
          return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() }
        },
        close: () => new Promise((resolve) => server.close(() => resolve())),
      }
    },
  },
  {
    name: 'fastify',
    async start(warden, lenient) {
      const app = Fastify()
      await app.register(async (scope) => {
        await scope.register(fastifyKw.apiKeyAuth({ warden }))
        scope.get('/p', async () => ok)
      })
      await app.register(async (scope) => {
        await scope.register(fastifyKw.apiKeyAuth({ warden: lenient }))
        scope.get('/lenient', async () => ok)
      })
      await app.ready()
      return {
        async request(path, key) {
          const res = await app.inject({ method: 'GET', url: path, headers: { 'x-api-key': key } })
          return {
            status: res.statusCode,
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
            body: res.json(),
          }
        },
        close: () => app.close(),
      }
    },
  },
]

for (const framework of frameworks) {
  describe(`limits over HTTP: ${framework.name}`, () => {
    let db: Kysely<any>
    let store: KeyStore
    let t = T0
    let warden: Keywarden
    let client: Awaited<ReturnType<Framework['start']>>
    beforeAll(async () => {
      db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
      store = sqlStore({ db }, { tablePrefix: 'kw_' })
      const options = { store, prefix: 'lim', lastUsed: false as const, now: () => new Date(t) }
      warden = createKeywarden(options)
      const lenient = createKeywarden({ ...options, onLimiterError: 'allow' })
      client = await framework.start(warden, lenient)
    })
    afterAll(async () => {
      await client?.close()
      await store?.close()
      await db?.destroy()
    })

    it('429 with Retry-After rounded up and RateLimit-* of the refusing limit; credits untouched', async () => {
      t = T0
      const { key, record } = await warden.keys.create({
        name: 'rated',
        remaining: 100,
        rateLimits: [
          { name: 'hourly', limit: 1000, windowMs: 3_600_000 },
          { name: 'burst', limit: 2, windowMs: WINDOW },
        ],
      })
      expect((await client.request('/p', key)).status).toBe(200)
      expect((await client.request('/p', key)).status).toBe(200)
      t = T0 + 2300
      const got = await client.request('/p', key)
      expect(got.status).toBe(429)
      expect(got.headers['content-type']).toContain('application/problem+json')
      // Two in this window, none before: the next fits once the window has rolled over and this
      // window's 2 weigh at most 1, at 15 s: 12.7 s from now, rounded up.
      expect(got.headers['retry-after']).toBe('13')
      expect(got.headers['ratelimit-limit']).toBe('2')
      expect(got.headers['ratelimit-remaining']).toBe('0')
      expect(got.headers['ratelimit-reset']).toBe('13')
      expect(got.body).toMatchObject({ status: 429 })
      expect((await warden.keys.get(record.id))?.remaining).toBe(98)
      t = T0 + 15_000
      expect((await client.request('/p', key)).status).toBe(200)
    })

    it('402 for exhausted credits, without Retry-After', async () => {
      t = T0
      const { key } = await warden.keys.create({ name: 'broke', remaining: 1 })
      expect((await client.request('/p', key)).status).toBe(200)
      const got = await client.request('/p', key)
      expect(got.status).toBe(402)
      expect(got.headers['retry-after']).toBeUndefined()
      expect(got.body).toMatchObject({ status: 402 })
    })

    it('counters down: 503 with onLimiterError deny, 200 with allow', async () => {
      t = T0
      const { key } = await warden.keys.create({
        name: 'fragile',
        rateLimits: [{ name: 'burst', limit: 5, windowMs: WINDOW }],
      })
      expect((await client.request('/p', key)).status).toBe(200)
      await sql`alter table kw_rate_windows rename to kw_rate_windows_gone`.execute(db)
      try {
        expect((await client.request('/p', key)).status).toBe(503)
        expect((await client.request('/lenient', key)).status).toBe(200)
      } finally {
        await sql`alter table kw_rate_windows_gone rename to kw_rate_windows`.execute(db)
      }
    })
  })
}

describe('OpenAPI document: limit fields', () => {
  it('describes remaining, refill and rateLimits on records and in create / update bodies', () => {
    const schemas = (openApiDocument() as any).components.schemas
    for (const name of ['ApiKeyRecord', 'CreateKeyInput', 'UpdateKeyInput']) {
      const { properties } = schemas[name]
      expect(properties.remaining.type).toEqual(['integer', 'null'])
      expect(properties.refill.oneOf).toHaveLength(3)
      expect(properties.rateLimits.items.required).toEqual(['name', 'limit', 'windowMs'])
      expect(properties.rateLimits.items.properties.windowMs.minimum).toBe(1000)
    }
  })
})
