import { describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { ensureAdminKey } from '../packages/server/src/admin-key.js'
import { createServerApp, storeHealthCheck } from '../packages/server/src/app.js'
import { CONTENT_SECURITY_POLICY } from '../packages/server/src/dashboard/security.js'
import { Browser, memoryServer, TEST_SECRET } from './server-helpers.js'

const OPENAI_KEY = 'sk-proj-Zx81Qw27Er36Ty45Ui90Op12As34Df56'

async function signedIn() {
  const server = memoryServer()
  const admin = await ensureAdminKey(server.warden, server.store)
  if (!admin) throw new Error('expected a fresh admin key')
  const browser = new Browser(server.app)
  const res = await browser.signIn(admin.key)
  expect(res.status).toBe(303)
  return { ...server, admin, browser, csrf: await browser.csrfToken() }
}

/** Every issued key in a page of HTML. */
const keysIn = (html: string) => html.match(/kw_[0-9A-Za-z]{40,}/g) ?? []

describe('first start', () => {
  it('creates one admin key on an empty database, and none once keys exist', async () => {
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false })
    const created = await ensureAdminKey(warden, store)
    expect(created?.record.scopes).toEqual(['keywarden:admin'])
    expect((await warden.keys.verify(created?.key, { scopes: ['keywarden:admin'] })).valid).toBe(true)
    expect(await ensureAdminKey(warden, store)).toBeNull()
    expect((await warden.keys.list()).items).toHaveLength(1)
  })
})

describe('/healthz', () => {
  it('answers 200 while the store answers', async () => {
    const { app } = memoryServer()
    const res = await app.request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('answers 503 when the store is down (a database nobody listens on)', async () => {
    const store = sqlStore({ url: 'postgres://postgres@127.0.0.1:1/nowhere' })
    const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false })
    const vault = createVault({ secret: TEST_SECRET, store })
    const errors: unknown[] = []
    const app = createServerApp({
      warden,
      vault,
      secret: TEST_SECRET,
      checkHealth: storeHealthCheck(store),
      onError: (e) => errors.push(e),
    })
    try {
      const res = await app.request('/healthz')
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ status: 'unavailable' })
      expect(errors).toHaveLength(1)
    } finally {
      await store.close()
    }
  })
})

describe('API routes', () => {
  it('opens /api/demo to a valid key only, and closes it once the key is revoked', async () => {
    const { app, warden } = memoryServer()
    const { key, record } = await warden.keys.create({ name: 'demo client', scopes: ['demo:read'] })
    expect((await app.request('/api/demo')).status).toBe(401)
    expect((await app.request('/api/demo', { headers: { 'x-api-key': `${key}x` } })).status).toBe(401)
    const ok = await app.request('/api/demo', { headers: { 'x-api-key': key } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ key: { id: record.id, name: 'demo client' } })
    const bearer = await app.request('/api/demo', { headers: { authorization: `Bearer ${key}` } })
    expect(bearer.status).toBe(200)
    await warden.keys.revoke(record.id)
    const revoked = await app.request('/api/demo', { headers: { 'x-api-key': key } })
    expect(revoked.status).toBe(401)
    expect(revoked.headers.get('www-authenticate')).toMatch(/ApiKey/)
  })

  it('serves the management API to admin keys only', async () => {
    const { app, warden, store } = memoryServer()
    const admin = await ensureAdminKey(warden, store)
    const plain = await warden.keys.create({ name: 'plain' })
    expect((await app.request('/api/keys')).status).toBe(401)
    const notAdmin = await app.request('/api/keys', { headers: { 'x-api-key': plain.key } })
    expect([401, 403]).toContain(notAdmin.status)
    const created = await app.request('/api/keys', {
      method: 'POST',
      headers: { 'x-api-key': admin!.key, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from the API', scopes: ['a:b'] }),
    })
    expect(created.status).toBe(201)
    const list = await app.request('/api/keys', { headers: { 'x-api-key': admin!.key } })
    expect(list.status).toBe(200)
    const body = (await list.json()) as { items: { name: string }[] }
    expect(body.items.map((k) => k.name).sort()).toEqual(['admin', 'from the API', 'plain'])
  })

  it("keeps each key owner's provider keys under /api/byok", async () => {
    const { app, warden } = memoryServer()
    const scopes = ['keywarden:byok']
    const alice = await warden.keys.create({ name: 'alice app', ownerId: 'alice', scopes })
    const bob = await warden.keys.create({ name: 'bob app', ownerId: 'bob', scopes })
    expect((await app.request('/api/byok')).status).toBe(401)
    const put = await app.request('/api/byok/openai', {
      method: 'PUT',
      headers: { 'x-api-key': alice.key, 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: OPENAI_KEY }),
    })
    expect(put.status).toBe(200)
    const mine = (await (await app.request('/api/byok', { headers: { 'x-api-key': alice.key } })).json()) as {
      items: { provider: string; masked: string }[]
    }
    expect(mine.items).toEqual([expect.objectContaining({ provider: 'openai', masked: 'sk-p…Df56' })])
    const theirs = (await (await app.request('/api/byok', { headers: { 'x-api-key': bob.key } })).json()) as {
      items: unknown[]
    }
    expect(theirs.items).toEqual([])
  })

  it('serves an OpenAPI 3.1 document naming the mounted paths', async () => {
    const { app } = memoryServer()
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: object }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/keys',
        '/api/keys/{id}',
        '/api/byok',
        '/api/byok/{provider}',
        '/api/demo',
      ]),
    )
  })
})

describe('dashboard sign-in', () => {
  it('sends visitors without a session to /login', async () => {
    const { app } = memoryServer()
    const res = await app.request('/')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login')
    const htmx = await app.request('/dashboard/keys', { method: 'POST', headers: { 'hx-request': 'true' } })
    expect(htmx.status).toBe(401)
    expect(htmx.headers.get('hx-redirect')).toBe('/login')
  })

  it('refuses keys that are not admin keys', async () => {
    const { warden, app } = memoryServer()
    const plain = await warden.keys.create({ name: 'plain' })
    const browser = new Browser(app)
    const res = await browser.signIn(plain.key)
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('lacks the keywarden:admin scope')
    expect((await browser.signIn('kw_nonsense')).status).toBe(401)
    expect(browser.cookies.has('kw_session')).toBe(false)
  })

  it('refuses a sign-in post without the form token or from another origin', async () => {
    const { warden, app, store } = memoryServer()
    const admin = (await ensureAdminKey(warden, store))!
    const browser = new Browser(app)
    await browser.request('/login')
    expect((await browser.request('/login', { form: { key: admin.key } })).status).toBe(403)
    const foreign = new Browser(app)
    const page = await (await foreign.request('/login')).text()
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!
    const res = await foreign.request('/login', {
      form: { _csrf: token, key: admin.key },
      headers: { origin: 'http://evil.example' },
    })
    expect(res.status).toBe(403)
    expect(foreign.cookies.has('kw_session')).toBe(false)
  })

  it('sets an HttpOnly, SameSite=Strict session cookie that holds no admin key', async () => {
    const { warden, app, store } = memoryServer()
    const admin = (await ensureAdminKey(warden, store))!
    const browser = new Browser(app)
    const page = await (await browser.request('/login')).text()
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!
    const res = await browser.request('/login', { form: { _csrf: token, key: admin.key } })
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('kw_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).not.toMatch(/Secure/)
    expect(cookie).not.toContain(admin.key)
    expect(cookie).not.toContain(admin.key.slice(3, 20))
  })

  it('marks cookies Secure with the __Host- prefix under HTTPS', async () => {
    const { warden, app, store } = memoryServer()
    const admin = (await ensureAdminKey(warden, store))!
    const browser = new Browser(app, 'https://keys.example.com')
    const res = await browser.signIn(admin.key)
    expect(res.status).toBe(303)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-kw_session='))!
    expect(cookie).toMatch(/Secure/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/)
  })

  it('ends the session on sign-out and when the admin key is revoked', async () => {
    const { browser, warden, csrf } = await signedIn()
    const other = await warden.keys.create({ name: 'admin 2', scopes: ['keywarden:admin'] })
    const second = new Browser(browser.app)
    await second.signIn(other.key)
    expect((await second.request('/')).status).toBe(200)

    const out = await browser.request('/logout', { form: { _csrf: csrf } })
    expect(out.status).toBe(303)
    expect((await browser.request('/')).status).toBe(303)

    await warden.keys.revoke(other.record.id)
    expect((await second.request('/')).status).toBe(303)
  })
})

describe('dashboard pages', () => {
  it('serves a strict CSP and HTML without inline scripts, styles or handlers', async () => {
    const { browser, warden } = await signedIn()
    const { record } = await warden.keys.create({ name: 'csp check' })
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'")
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe')
    for (const path of [
      '/',
      '/dashboard/keys',
      `/dashboard/keys/${record.id}`,
      '/dashboard/audit',
      '/dashboard/providers',
    ]) {
      const res = await browser.request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const html = await res.text()
      for (const script of html.match(/<script[^>]*>/g) ?? []) expect(script).toMatch(/src="\/assets\//)
      expect(html).not.toMatch(/<script[^>]*>[^<]+<\/script>/)
      expect(html).not.toMatch(/\sstyle=/)
      expect(html).not.toMatch(/\son[a-z]+=/)
      expect(html).not.toMatch(/<style/)
    }
    const htmx = await browser.request('/assets/htmx.min.js')
    expect(htmx.status).toBe(200)
    expect(await htmx.text()).toContain('htmx')
  })

  it('starts from the first page when the keys offset or the audit cursor is garbage', async () => {
    const { browser } = await signedIn()
    const keys = await browser.request('/dashboard/keys?offset=%00not-a-number&state=nope')
    expect(keys.status).toBe(200)
    expect(await keys.text()).toContain('1–1 of 1')
    const audit = await browser.request('/dashboard/audit?cursor=%00not-a-cursor')
    expect(audit.status).toBe(303)
    expect(audit.headers.get('location')).toBe('/dashboard/audit')
  })

  it.each(['/', '/dashboard/keys', '/dashboard/audit', '/dashboard/providers'])(
    'labels every input of %s',
    async (path) => {
      const { browser } = await signedIn()
      const html = await (await browser.request(path)).text()
      const ids = [...html.matchAll(/<(?:input|select)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"/g)].map(
        (m) => m[1],
      )
      for (const id of ids) expect(html).toContain(`for="${id}"`)
      const unnamed = [...html.matchAll(/<(?:input|select)(?![^>]*type="hidden")(?![^>]*\sid=)[^>]*>/g)]
      expect(unnamed).toEqual([])
    },
  )

  it('shows a created key once, then only its start', async () => {
    const { browser, csrf, warden } = await signedIn()
    const res = await browser.request('/dashboard/keys', {
      form: {
        _csrf: csrf,
        name: 'billing',
        ownerId: 'team-billing',
        scopes: 'invoices:read, invoices:write',
        expiry: '30d',
      },
      headers: { 'hx-request': 'true' },
    })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.headers.get('hx-trigger')!)).toEqual({
      toast: { kind: 'success', message: 'Key "billing" created.' },
    })
    const fragment = await res.text()
    const shown = keysIn(fragment)
    expect(shown).toHaveLength(1)
    const verified = await warden.keys.verify(shown[0])
    expect(verified).toMatchObject({
      valid: true,
      key: { name: 'billing', ownerId: 'team-billing', scopes: ['invoices:read', 'invoices:write'] },
    })
    if (!verified.valid) throw new Error('unreachable')
    const days = (verified.key.expiresAt!.getTime() - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(29.9)
    expect(days).toBeLessThan(30.1)

    const page = await (await browser.request('/dashboard/keys')).text()
    expect(keysIn(page)).toEqual([])
    expect(page).toContain(verified.key.start)
    expect(page).toContain('team-billing')
  })

  it('answers a plain form post (no htmx) with the whole page, the key shown once', async () => {
    const { browser, csrf } = await signedIn()
    const res = await browser.request('/dashboard/keys', {
      form: { _csrf: csrf, name: 'no-js', ownerId: '', scopes: '', expiry: 'never' },
    })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(keysIn(html)).toHaveLength(1)
    expect(html).toContain('data-initial-toast="Key &quot;no-js&quot; created."')
  })

  it('reports invalid input as an error toast with status 422', async () => {
    const { browser, csrf, warden } = await signedIn()
    const res = await browser.request('/dashboard/keys', {
      form: { _csrf: csrf, name: '', scopes: '', expiry: 'never' },
      headers: { 'hx-request': 'true' },
    })
    expect(res.status).toBe(422)
    expect(JSON.parse(res.headers.get('hx-trigger')!).toast.kind).toBe('error')
    const badExpiry = await browser.request('/dashboard/keys', {
      form: { _csrf: csrf, name: 'x', expiry: 'forever' },
      headers: { 'hx-request': 'true' },
    })
    expect(badExpiry.status).toBe(422)
    expect((await warden.keys.list()).items).toHaveLength(1)
  })

  it('revokes, rolls and deletes keys, but not the key of the session', async () => {
    const { browser, csrf, warden, admin } = await signedIn()
    const target = await warden.keys.create({ name: 'target' })
    const hx = { 'hx-request': 'true' }
    const post = (path: string) => browser.request(path, { form: { _csrf: csrf }, headers: hx })

    const rolled = await post(`/dashboard/keys/${target.record.id}/roll`)
    expect(rolled.status).toBe(200)
    const [newKey] = keysIn(await rolled.text())
    expect((await warden.keys.verify(newKey)).valid).toBe(true)
    expect(await warden.keys.verify(target.key)).toMatchObject({ valid: false, code: 'EXPIRED' })

    const fresh = await warden.keys.verify(newKey)
    if (!fresh.valid) throw new Error('unreachable')
    expect((await post(`/dashboard/keys/${fresh.key.id}/revoke`)).status).toBe(200)
    expect(await warden.keys.verify(newKey)).toMatchObject({ valid: false, code: 'REVOKED' })

    expect((await post(`/dashboard/keys/${fresh.key.id}/delete`)).status).toBe(200)
    expect(await warden.keys.get(fresh.key.id)).toBeNull()
    expect((await post(`/dashboard/keys/${fresh.key.id}/delete`)).status).toBe(404)

    const own = await post(`/dashboard/keys/${admin.record.id}/revoke`)
    expect(own.status).toBe(422)
    expect(JSON.parse(own.headers.get('hx-trigger')!).toast.message).toMatch(/signed in with this key/)
    expect((await warden.keys.get(admin.record.id))?.revokedAt).toBeNull()
  })

  it('rejects state changes without the session CSRF token or from another origin', async () => {
    const { browser, csrf, warden } = await signedIn()
    const before = (await warden.keys.list()).items.length
    const noToken = await browser.request('/dashboard/keys', { form: { name: 'forged', expiry: 'never' } })
    expect(noToken.status).toBe(403)
    const wrong = await browser.request('/dashboard/keys', {
      form: { _csrf: `${csrf.slice(0, -2)}xx`, name: 'forged', expiry: 'never' },
    })
    expect(wrong.status).toBe(403)
    // Another session's token is no good either.
    const other = await signedIn()
    const crossed = await browser.request('/dashboard/keys', {
      form: { _csrf: other.csrf, name: 'forged', expiry: 'never' },
    })
    expect(crossed.status).toBe(403)
    const foreignOrigin = await browser.request('/dashboard/keys', {
      form: { _csrf: csrf, name: 'forged', expiry: 'never' },
      headers: { origin: 'http://127.0.0.1:4444' },
    })
    expect(foreignOrigin.status).toBe(403)
    const headerToken = await browser.request('/dashboard/keys', {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=real&expiry=never',
    })
    expect(headerToken.status).toBe(200)
    expect((await warden.keys.list()).items.map((k) => k.name)).not.toContain('forged')
    expect((await warden.keys.list()).items).toHaveLength(before + 1)
  })
})

describe('dashboard provider keys', () => {
  it('has a card per provider of the vault registry', async () => {
    const { browser, vault } = await signedIn()
    const html = await (await browser.request('/dashboard/providers')).text()
    for (const provider of vault.providers.list()) {
      expect(html).toContain(`id="provider-${provider.id}"`)
      expect(html).toContain(
        `data-pattern="${provider.pattern.source.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`,
      )
    }
  })

  it('adds, replaces and deletes a key, showing only its mask', async () => {
    const { browser, csrf, vault } = await signedIn()
    const hx = { 'hx-request': 'true' }
    const added = await browser.request('/dashboard/providers/openai', {
      form: { _csrf: csrf, key: OPENAI_KEY },
      headers: hx,
    })
    expect(added.status).toBe(200)
    expect(JSON.parse(added.headers.get('hx-trigger')!).toast).toEqual({
      kind: 'success',
      message: 'OpenAI key saved.',
    })
    const card = await added.text()
    expect(card).toContain('sk-p…Df56')
    expect(card).not.toContain(OPENAI_KEY)
    expect(await vault.for({ userId: 'admin' }).get('openai')).toBe(OPENAI_KEY)

    const replacement = 'sk-proj-Replaced0000000000000000000000Zz99'
    const replaced = await browser.request('/dashboard/providers/openai', {
      form: { _csrf: csrf, key: replacement },
      headers: hx,
    })
    expect(JSON.parse(replaced.headers.get('hx-trigger')!).toast.message).toBe('OpenAI key replaced.')
    expect(await replaced.text()).toContain('sk-p…Zz99')
    const page = await (await browser.request('/dashboard/providers')).text()
    expect(page).not.toContain(replacement)
    expect(page).not.toContain(OPENAI_KEY)

    const deleted = await browser.request('/dashboard/providers/openai/delete', {
      form: { _csrf: csrf },
      headers: hx,
    })
    expect(deleted.status).toBe(200)
    expect(await deleted.text()).toContain('not set')
    expect(await vault.for({ userId: 'admin' }).has('openai')).toBe(false)
  })

  it("refuses a key that does not match the provider's pattern, and unknown providers", async () => {
    const { browser, csrf, vault } = await signedIn()
    const hx = { 'hx-request': 'true' }
    const bad = await browser.request('/dashboard/providers/anthropic', {
      form: { _csrf: csrf, key: 'sk-proj-not-an-anthropic-key-000000000' },
      headers: hx,
    })
    expect(bad.status).toBe(422)
    const toast = JSON.parse(bad.headers.get('hx-trigger')!).toast
    expect(toast.kind).toBe('error')
    expect(toast.message).toContain('Anthropic')
    expect(toast.message).not.toContain('sk-proj-not')
    expect(await vault.for({ userId: 'admin' }).has('anthropic')).toBe(false)
    const unknown = await browser.request('/dashboard/providers/nope', {
      form: { _csrf: csrf, key: 'x' },
      headers: hx,
    })
    expect(unknown.status).toBe(404)
  })
})
