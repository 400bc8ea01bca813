/** The ready server's edges, in-process: oversized bodies, log lines, the BYOK scope. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ensureAdminKey } from '../packages/server/src/admin-key.js'
import { createServerApp, storeHealthCheck } from '../packages/server/src/app.js'
import { createLogger } from '../packages/server/src/log/logger.js'
import { Browser, memoryServer, TEST_SECRET } from './server-helpers.js'

const PROBLEM = 'application/problem+json'
const OPENAI_KEY = 'sk-proj-Zx81Qw27Er36Ty45Ui90Op12As34Df56'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('oversized bodies', () => {
  it('answer 413 problems on the dashboard and the APIs, and log nothing', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const server = memoryServer()
    const admin = await ensureAdminKey(server.warden, server.store)
    const browser = new Browser(server.app)

    // Unauthenticated sign-in form of 9 KB: the limit is 8 KB.
    const login = await browser.request('/login', { form: { key: 'k'.repeat(9 * 1024) } })
    expect(login.status).toBe(413)
    expect(login.headers.get('content-type')).toContain(PROBLEM)
    expect((await login.json()) as object).toMatchObject({
      status: 413,
      detail: expect.stringMatching(/8 KiB/),
    })

    expect((await browser.signIn(admin!.key)).status).toBe(303)
    const csrf = await browser.csrfToken()
    const form = await browser.request('/dashboard/keys', {
      form: { _csrf: csrf, name: 'n'.repeat(17 * 1024), expiry: 'never' },
    })
    expect(form.status).toBe(413)
    expect(form.headers.get('content-type')).toContain(PROBLEM)

    const huge = JSON.stringify({ name: 'big', metadata: { blob: 'x'.repeat(300 * 1024) } })
    for (const [method, path] of [
      ['POST', '/api/keys'],
      ['PUT', '/api/byok/openai'],
    ] as const) {
      const api = await server.app.request(path, {
        method,
        headers: { 'x-api-key': admin!.key, 'content-type': 'application/json' },
        body: huge,
      })
      expect(api.status).toBe(413)
      expect(api.headers.get('content-type')).toContain(PROBLEM)
    }
    expect(server.errors).toEqual([])
    expect(logged).not.toHaveBeenCalled()
  })

  it('log an error without a message by its name, never as an empty line', async () => {
    const lines: string[] = []
    const { warden, vault, store } = memoryServer()
    // The default onError: what `npm start` logs, through the server's logger.
    const logger = createLogger({ json: true, write: (line) => lines.push(line) })
    const app = createServerApp({
      warden,
      vault,
      secret: TEST_SECRET,
      checkHealth: storeHealthCheck(store),
      logger,
    })
    const admin = await ensureAdminKey(warden, store)
    const browser = new Browser(app)
    expect((await browser.signIn(admin!.key)).status).toBe(303)
    // The dashboard's pages list keys through keys.search (the store's searchKeys).
    store.listKeys = store.searchKeys = async () => {
      throw new Error('')
    }
    const page = await browser.request('/')
    expect(page.status).toBe(500)
    const errors = lines.map((line) => JSON.parse(line)).filter((e) => e.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ msg: 'error', error: 'Error', reqId: page.headers.get('x-request-id') })
  })
})

describe('/api/byok', () => {
  it('needs the keywarden:byok scope (keywarden:admin implies it)', async () => {
    const { app, warden } = memoryServer()
    const plain = await warden.keys.create({ name: 'no scopes', ownerId: 'alice' })
    const reader = await warden.keys.create({ name: 'reader', ownerId: 'alice', scopes: ['users:read'] })
    const byok = await warden.keys.create({ name: 'byok', ownerId: 'alice', scopes: ['keywarden:byok'] })
    const admin = await warden.keys.create({ name: 'admin', ownerId: 'alice', scopes: ['keywarden:admin'] })
    const put = (key: string) =>
      app.request('/api/byok/openai', {
        method: 'PUT',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: OPENAI_KEY }),
      })
    for (const key of [plain.key, reader.key]) {
      const refused = await put(key)
      expect(refused.status).toBe(403)
      expect(refused.headers.get('content-type')).toContain(PROBLEM)
      expect(await refused.text()).toContain('keywarden:byok')
      for (const method of ['GET', 'DELETE']) {
        expect((await app.request('/api/byok', { method, headers: { 'x-api-key': key } })).status).toBe(403)
      }
      const one = await app.request('/api/byok/openai', { method: 'DELETE', headers: { 'x-api-key': key } })
      expect(one.status).toBe(403)
    }
    expect((await put(byok.key)).status).toBe(200)
    expect((await put(admin.key)).status).toBe(200)
    const list = await app.request('/api/byok', { headers: { 'x-api-key': byok.key } })
    expect(await list.json()).toMatchObject({ items: [{ provider: 'openai' }] })
    expect((await app.request('/api/byok')).status).toBe(401)
  })
})
