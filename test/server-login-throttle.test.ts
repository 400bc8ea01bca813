/** Failed dashboard sign-ins are throttled per client address and in total, by the injected clock. */
import { describe, expect, it, vi } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { ensureAdminKey } from '../packages/server/src/admin-key.js'
import { createServerApp, type ServerAppOptions, storeHealthCheck } from '../packages/server/src/app.js'
import { Browser, TEST_SECRET } from './server-helpers.js'

const WRONG = 'kw_notarealkeyatall0000000000000000000000000000'

/** A browser behind the trusted proxy, seen as `address`. */
class BrowserAt extends Browser {
  constructor(
    app: Browser['app'],
    readonly address: string,
  ) {
    super(app)
  }
  override request(path: string, init: Parameters<Browser['request']>[1] = {}) {
    const headers = new Headers(init.headers)
    headers.set('x-forwarded-for', `203.0.113.9, ${this.address}`)
    return super.request(path, { ...init, headers })
  }
}

async function server(loginThrottle?: ServerAppOptions['loginThrottle']) {
  const clock = { now: Date.parse('2026-03-01T10:00:00.000Z') }
  const now = () => new Date(clock.now)
  const store = memoryStore()
  const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false, now })
  const vault = createVault({ secret: TEST_SECRET, store, now })
  const app = createServerApp({
    warden,
    vault,
    secret: TEST_SECRET,
    checkHealth: storeHealthCheck(store),
    trustProxy: true,
    now,
    ...(loginThrottle ? { loginThrottle } : {}),
  })
  const admin = await ensureAdminKey(warden, store)
  if (!admin) throw new Error('expected a fresh admin key')
  return { app, warden, clock, admin: admin.key }
}

describe('dashboard sign-in throttle', () => {
  it('refuses an address after 10 failures with 429 and Retry-After, without verifying the key', async () => {
    const { app, warden, clock, admin } = await server()
    const verify = vi.spyOn(warden.keys, 'verify')
    const mallory = new BrowserAt(app, '198.51.100.7')
    for (let i = 0; i < 10; i++) expect((await mallory.signIn(WRONG)).status).toBe(401)
    expect(verify).toHaveBeenCalledTimes(10)

    for (let i = 0; i < 20; i++) {
      const refused = await mallory.signIn(i === 0 ? admin : WRONG)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('content-type')).toContain('application/problem+json')
      expect(await refused.json()).toMatchObject({ status: 429, detail: expect.stringMatching(/sign-ins/) })
    }
    // Even the right key is not tried while throttled.
    expect(verify).toHaveBeenCalledTimes(10)
    expect(mallory.cookies.has('kw_session')).toBe(false)

    // Another address is not affected.
    expect((await new BrowserAt(app, '192.0.2.44').signIn(admin)).status).toBe(303)

    // Retry-After is when the window lets one more attempt in.
    const refused = await mallory.signIn(admin)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(120)
    clock.now += (retryAfter - 1) * 1000
    expect((await mallory.signIn(admin)).status).toBe(429)
    clock.now += 1000
    expect((await mallory.signIn(admin)).status).toBe(303)
  })

  it('refuses everyone once the total of failures is reached', async () => {
    const { app, clock, admin } = await server({
      perAddress: { limit: 100, windowMs: 60_000 },
      total: { limit: 5, windowMs: 60_000 },
    })
    for (let i = 0; i < 5; i++) {
      expect((await new BrowserAt(app, `198.51.100.${i}`).signIn(WRONG)).status).toBe(401)
    }
    const fresh = new BrowserAt(app, '192.0.2.1')
    const refused = await fresh.signIn(admin)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    clock.now += 2 * 60_000
    expect((await fresh.signIn(admin)).status).toBe(303)
  })

  it('does not count successful sign-ins', async () => {
    const { app, admin } = await server({ perAddress: { limit: 2, windowMs: 60_000 } })
    for (let i = 0; i < 5; i++) expect((await new BrowserAt(app, '192.0.2.5').signIn(admin)).status).toBe(303)
  })

  it('refuses limits that are not positive integers', async () => {
    await expect(server({ perAddress: { limit: 0, windowMs: 60_000 } })).rejects.toThrow(/perAddress/)
    await expect(server({ total: { limit: 5, windowMs: 10 } })).rejects.toThrow(/total/)
  })
})
