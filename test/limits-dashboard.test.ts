import { describe, expect, it } from 'vitest'
import { keyJsonSchemas } from '../packages/keywarden/src/keys/schema.js'
import { ensureAdminKey } from '../packages/server/src/admin-key.js'
import { Browser, memoryServer } from './server-helpers.js'

// The dashboard shows each key's credits and rate limits, and its create form sets them.

async function signedIn() {
  const server = memoryServer()
  const admin = await ensureAdminKey(server.warden, server.store)
  if (!admin) throw new Error('expected a fresh admin key')
  const browser = new Browser(server.app)
  expect((await browser.signIn(admin.key)).status).toBe(303)
  return { ...server, browser, csrf: await browser.csrfToken() }
}

const create = (browser: Browser, csrf: string, fields: Record<string, string>) =>
  browser.request('/dashboard/keys', {
    form: { _csrf: csrf, name: 'metered', scopes: '', expiry: 'never', ...fields },
    headers: { 'hx-request': 'true' },
  })

describe('dashboard: credits and rate limits', () => {
  it('creates a key with credits, a daily refill and a rate limit, and lists them', async () => {
    const { browser, csrf, warden } = await signedIn()
    const res = await create(browser, csrf, {
      remaining: '1500',
      refill: 'daily',
      rateLimit: '120',
      rateWindow: 'minute',
    })
    expect(res.status).toBe(200)
    const fragment = await res.text()
    const key = fragment.match(/kw_[0-9A-Za-z]{40,}/)?.[0]
    const verified = await warden.keys.verify(key)
    expect(verified).toMatchObject({
      valid: true,
      remaining: 1499,
      key: {
        refill: { amount: 1500, interval: 'daily' },
        rateLimits: [{ name: 'per-minute', limit: 120, windowMs: 60_000 }],
      },
    })
    const page = await (await browser.request('/dashboard/keys')).text()
    expect(page).toContain('<th scope="col">Limits</th>')
    expect(page).toContain('1,499 credits')
    expect(page).toContain('daily to 1,500')
    expect(page).toContain('120 / minute')
    // The create form offers the fields.
    for (const field of ['name="remaining"', 'name="refill"', 'name="rateLimit"', 'name="rateWindow"'])
      expect(page).toContain(field)
  })

  it("bounds the create form's fields as the key schema does", async () => {
    const { browser } = await signedIn()
    const page = await (await browser.request('/dashboard/keys')).text()
    const input = (id: string) => page.match(new RegExp(`<input[^>]*id="${id}"[^>]*>`))?.[0] ?? ''
    const fields = keyJsonSchemas.CreateKeyInput.properties ?? {}
    expect(input('key-name')).toContain(`maxlength="${fields.name?.maxLength}"`)
    expect(input('key-owner')).toContain(`maxlength="${fields.ownerId?.maxLength}"`)
    expect(input('key-credits')).toContain(`min="${fields.remaining?.minimum}"`)
    expect(input('key-rate')).toContain(`min="${fields.rateLimits?.items?.properties?.limit?.minimum}"`)
  })

  it('leaves limits off when the fields are empty, and shows "none"', async () => {
    const { browser, csrf, warden } = await signedIn()
    const res = await create(browser, csrf, {
      remaining: '',
      refill: '',
      rateLimit: '',
      rateWindow: 'minute',
    })
    expect(res.status).toBe(200)
    const key = (await res.text()).match(/kw_[0-9A-Za-z]{40,}/)?.[0]
    expect(await warden.keys.verify(key)).toMatchObject({
      valid: true,
      remaining: null,
      key: { remaining: null, refill: null, rateLimits: [] },
    })
    const row = (await (await browser.request('/dashboard/keys')).text())
      .split('<tr')
      .find((r) => r.includes('>metered<'))
    expect(row).toContain('<span class="muted">none</span>')
  })

  it('refuses bad limit fields with a message naming the field, and creates nothing', async () => {
    const { browser, csrf, warden } = await signedIn()
    const before = (await warden.keys.list()).items.length
    for (const [fields, message] of [
      [{ remaining: '-3' }, 'Credits must be a whole number'],
      [{ remaining: '2.5' }, 'Credits must be a whole number'],
      [{ refill: 'daily' }, 'A refill needs credits'],
      [{ rateLimit: '0', rateWindow: 'minute' }, 'rate limit must be a whole number'],
      [{ rateLimit: '10', rateWindow: 'fortnight' }, 'rate-limit window'],
    ] as const) {
      const res = await create(browser, csrf, fields)
      expect(res.status).toBe(422)
      expect(decodeURIComponent(res.headers.get('hx-trigger') ?? (await res.text()))).toContain(message)
    }
    expect((await warden.keys.list()).items.length).toBe(before)
  })
})
