import { describe, expect, it } from 'vitest'
import { ensureAdminKey } from '../packages/server/src/admin-key.js'
import { Browser, memoryServer } from './server-helpers.js'

// Dashboard 2.0 in-process: overview, key page and its edit form, search and paging, audit page, 404.

async function signedIn() {
  const server = memoryServer()
  const admin = await ensureAdminKey(server.warden, server.store)
  if (!admin) throw new Error('expected a fresh admin key')
  const browser = new Browser(server.app)
  expect((await browser.signIn(admin.key)).status).toBe(303)
  return { ...server, admin, browser, csrf: await browser.csrfToken() }
}

const editForm = (record: { name: string }, fields: Record<string, string>) => ({
  name: record.name,
  ownerId: '',
  scopes: '',
  expires: '',
  remaining: '',
  rateLimit: '',
  rateWindow: 'minute',
  ...fields,
})

describe('overview', () => {
  it('shows counts, an SVG chart by outcome and the navigation, the current page marked', async () => {
    const { browser } = await signedIn()
    const res = await browser.request('/?range=7d')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="chart"')
    expect(html).toContain('role="img"')
    expect(html).toContain('Verifications over 7 days')
    expect(html).toMatch(/<a href="\/" aria-current="page">Overview<\/a>/)
    for (const href of ['/dashboard/keys', '/dashboard/audit', '/dashboard/providers']) {
      expect(html).toContain(`href="${href}"`)
    }
    // The toast region is a row of the header, not a layer over the page.
    expect(html).toMatch(/<header class="top">.*<div id="toasts" aria-live="polite"><\/div><\/header>/s)
  })
})

describe('usage', () => {
  it('draws verifications by outcome, ranks top keys and breaks failures down', async () => {
    const { browser, warden } = await signedIn()
    const busy = await warden.keys.create({ name: 'busy client', scopes: ['x:read'] })
    const quiet = await warden.keys.create({ name: 'quiet client' })
    for (let i = 0; i < 4; i++) await warden.keys.verify(busy.key)
    await warden.keys.verify(busy.key, { scopes: ['x:write'] })
    await warden.keys.verify(quiet.key)
    await warden.keys.verify('kw_not-a-key')
    const html = await (await browser.request('/')).text()
    expect(html).toMatch(/<rect class="bar s-0" data-series="valid"/)
    expect(html).toMatch(/<rect class="bar s-3" data-series="INSUFFICIENT_SCOPES"/)
    expect(html).toMatch(/<rect class="bar s-7" data-series="MALFORMED"/)
    // Top keys, busiest first; failures by reason.
    expect(html.indexOf('>busy client<')).toBeLessThan(html.indexOf('>quiet client<'))
    expect(html).toContain('<th scope="row">missing scopes</th>')
    expect(html).toContain('<th scope="row">malformed</th>')
    const page = await (await browser.request(`/dashboard/keys/${busy.record.id}`)).text()
    expect(page).toMatch(/<title>\d\d:00 — valid: 4<\/title>/)
  })
})

describe('key page', () => {
  it('shows the key, its chart, limits and audit trail', async () => {
    const { browser, warden } = await signedIn()
    const { record } = await warden.keys.create({
      name: 'reports',
      ownerId: 'team-a',
      scopes: ['r:read'],
      remaining: 50,
    })
    await warden.keys.update(record.id, { name: 'reports v2' })
    const html = await (await browser.request(`/dashboard/keys/${record.id}?range=30d`)).text()
    expect(html).toContain('<h1 id="key-title">reports v2</h1>')
    expect(html).toContain('Verifications of reports v2 over 30 days')
    expect(html).toContain('50 credits')
    expect(html).toContain('key.created')
    expect(html).toContain('key.updated')
  })

  it('saves a changed field only, as the session, and says so', async () => {
    const { browser, csrf, warden, admin } = await signedIn()
    const { record } = await warden.keys.create({
      name: 'billing',
      expiresAt: new Date(Date.now() + 5 * 86_400_000 + 1234),
    })
    const expires = record.expiresAt!.toISOString().slice(0, 10)
    const res = await browser.request(`/dashboard/keys/${record.id}/edit`, {
      form: {
        _csrf: csrf,
        ...editForm(record, { name: 'billing v2', expires, scopes: 'a:read  b:write', remaining: '10' }),
      },
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/dashboard/keys/${record.id}?saved=1`)
    const after = await warden.keys.get(record.id)
    expect(after).toMatchObject({ name: 'billing v2', scopes: ['a:read', 'b:write'], remaining: 10 })
    // The expiry was shown as a date and left alone: its time of day is kept.
    expect(after?.expiresAt?.getTime()).toBe(record.expiresAt?.getTime())
    const { items } = await warden.audit.list({ targetId: record.id, action: 'key.updated' })
    expect(items).toHaveLength(1)
    expect(items[0]?.actor).toMatchObject({ type: 'session', id: admin.record.id })
    const page = await (await browser.request(res.headers.get('location')!)).text()
    expect(page).toContain('Key &quot;billing v2&quot; saved.')
  })

  it('answers a bad value with 422 and the error next to its field, saving nothing', async () => {
    const { browser, csrf, warden } = await signedIn()
    const { record } = await warden.keys.create({ name: 'metered' })
    const bad = await browser.request(`/dashboard/keys/${record.id}/edit`, {
      form: { _csrf: csrf, ...editForm(record, { name: 'renamed', remaining: '-5' }) },
    })
    expect(bad.status).toBe(422)
    const html = await bad.text()
    expect(html).toMatch(/id="edit-credits"[^>]*aria-invalid="true" aria-describedby="edit-credits-error"/)
    expect(html).toMatch(/<span class="field-error" id="edit-credits-error">Credits must be a whole number/)
    // The form keeps what was typed.
    expect(html).toContain('value="renamed"')
    expect((await warden.keys.get(record.id))?.name).toBe('metered')

    const long = await browser.request(`/dashboard/keys/${record.id}/edit`, {
      form: { _csrf: csrf, ...editForm(record, { name: 'x'.repeat(500) }) },
    })
    expect(long.status).toBe(422)
    expect(await long.text()).toMatch(/<span class="field-error" id="edit-name-error">/)

    const past = await browser.request(`/dashboard/keys/${record.id}/edit`, {
      form: { _csrf: csrf, ...editForm(record, { expires: '2001-01-01' }) },
    })
    expect(past.status).toBe(422)
    expect(await past.text()).toMatch(
      /<span class="field-error" id="edit-expires-error">Choose a date after today/,
    )
    const { items } = await warden.audit.list({ targetId: record.id, action: 'key.updated' })
    expect(items).toEqual([])
  })

  it('refuses an edit without the CSRF token', async () => {
    const { browser, warden } = await signedIn()
    const { record } = await warden.keys.create({ name: 'guarded' })
    const res = await browser.request(`/dashboard/keys/${record.id}/edit`, {
      form: editForm(record, { name: 'forged' }),
    })
    expect(res.status).toBe(403)
    expect((await warden.keys.get(record.id))?.name).toBe('guarded')
  })
})

describe('key search and paging', () => {
  it('filters by text, owner and state, and pages both ways with a total', async () => {
    const { browser, warden } = await signedIn()
    for (let i = 0; i < 45; i++) {
      await warden.keys.create({
        name: `svc-${String(i).padStart(2, '0')}`,
        ownerId: i % 3 === 0 ? 'team-x' : 'team-y',
      })
    }
    const revoked = await warden.keys.create({ name: 'old-one', ownerId: 'team-x' })
    await warden.keys.revoke(revoked.record.id)

    const first = await (await browser.request('/dashboard/keys?q=svc')).text()
    expect(first).toContain('1–20 of 45')
    expect(first).toContain('href="/dashboard/keys?q=svc&amp;offset=20" rel="next"')
    const second = await (await browser.request('/dashboard/keys?q=svc&offset=20')).text()
    expect(second).toContain('21–40 of 45')
    expect(second).toContain('href="/dashboard/keys?q=svc" rel="prev"')
    expect(second).toContain('href="/dashboard/keys?q=svc&amp;offset=40" rel="next"')
    const last = await (await browser.request('/dashboard/keys?q=svc&offset=40')).text()
    expect(last).toContain('41–45 of 45')
    expect(last).not.toContain('rel="next"')

    const owner = await (await browser.request('/dashboard/keys?owner=team-x&state=active')).text()
    expect(owner).toContain('1–15 of 15')
    const gone = await (await browser.request('/dashboard/keys?state=revoked')).text()
    expect(gone).toContain('1–1 of 1')
    expect(gone).toContain('old-one')
    const none = await (await browser.request('/dashboard/keys?q=nothing-like-this')).text()
    expect(none).toContain('No key matches this search.')
  })
})

describe('audit page', () => {
  it('lists changes newest first with their actor, filtered by action and target', async () => {
    const { browser, csrf, warden } = await signedIn()
    const { record } = await warden.keys.create({ name: 'audited' })
    await browser.request(`/dashboard/keys/${record.id}/revoke`, { form: { _csrf: csrf } })
    const all = await (await browser.request('/dashboard/audit')).text()
    expect(all).toContain('data-action="key.created"')
    const revokes = await (
      await browser.request(`/dashboard/audit?action=key.revoked&target=${record.id}`)
    ).text()
    expect(revokes).toContain('data-action="key.revoked"')
    expect(revokes).not.toContain('data-action="key.created"')
    expect(revokes).toContain('<option value="key.revoked" selected="">')
  })
})

describe('404', () => {
  it('is a styled page for unknown pages and keys, and problem+json under /api', async () => {
    const { browser, app } = await signedIn()
    for (const path of ['/dashboard/nope', '/dashboard/keys/no-such-key']) {
      const res = await browser.request(path)
      expect(res.status).toBe(404)
      const html = await res.text()
      expect(html).toContain('<link rel="stylesheet" href="/assets/dashboard.css"/>')
      expect(html).toContain('<h1>Not found</h1>')
    }
    const anonymous = await app.request('/no-such-page')
    expect(anonymous.status).toBe(404)
    expect(anonymous.headers.get('content-type')).toContain('text/html')
    expect(anonymous.headers.get('content-security-policy')).toContain("default-src 'none'")
    const api = await app.request('/api/no-such-route')
    expect(api.status).toBe(404)
    expect(api.headers.get('content-type')).toBe('application/problem+json')
  })
})
