import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError, ValidationError } from '../packages/keywarden/src/errors.js'
import {
  MAX_COOKIE_BYTES,
  sealedCookieSession,
} from '../packages/keywarden/src/stores/session/sealed-cookie.js'
import { sessionStore } from '../packages/keywarden/src/stores/session/session-store.js'
import { makeSecretRecord } from '../packages/keywarden/src/testing/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { sealedCookieBrowser } from './session-drivers.js'

const pairOf = (setCookie: string | null) => (setCookie as string).split(';')[0] as string

describe('sealedCookieSession', () => {
  it('seals values into one HttpOnly, Secure, SameSite=Lax cookie and opens them on the next request', () => {
    const cookies = sealedCookieSession({ secret: randomBytes(32) })
    const first = cookies.open(undefined)
    expect(first.commit()).toBeNull()
    first.set('greeting', { hello: 'world', n: 1 })
    const header = first.commit() as string
    expect(header).toMatch(
      /^kw_vault=s1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Path=\/; Max-Age=2592000; HttpOnly; Secure; SameSite=Lax$/,
    )
    expect(header).not.toContain('world')
    const next = cookies.open(`other=1; ${pairOf(header)}; more=2`)
    expect(next.get('greeting')).toEqual({ hello: 'world', n: 1 })
    expect(next.changed).toBe(false)
  })

  it('opens empty when the cookie is tampered with, sealed with another secret, renamed or expired', () => {
    let t = Date.UTC(2026, 0, 1)
    const secret = randomBytes(32)
    const cookies = sealedCookieSession({ secret, maxAgeMs: 60_000, now: () => new Date(t) })
    const s = cookies.open(null)
    s.set('k', 'v')
    const pair = pairOf(s.commit())
    const value = pair.slice('kw_vault='.length)
    for (let i = 3; i < value.length; i++) {
      const flipped = value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1)
      expect(cookies.open(`kw_vault=${flipped}`).get('k'), `char ${i}`).toBeUndefined()
    }
    expect(
      sealedCookieSession({ secret: randomBytes(32) })
        .open(pair)
        .get('k'),
    ).toBeUndefined()
    expect(
      sealedCookieSession({ secret, cookieName: 'other' }).open(`other=${value}`).get('k'),
    ).toBeUndefined()
    t += 59_999
    expect(cookies.open(pair).get('k')).toBe('v')
    t += 1
    expect(cookies.open(pair).get('k')).toBeUndefined()
  })

  it('rotates secrets: the first seals, every one opens', () => {
    const old = randomBytes(32)
    const fresh = randomBytes(32)
    const before = sealedCookieSession({ secret: old }).open(null)
    before.set('k', 'v')
    const rotated = sealedCookieSession({ secret: [fresh, old] })
    const opened = rotated.open(pairOf(before.commit()))
    expect(opened.get('k')).toBe('v')
    opened.set('k2', 'w')
    const after = pairOf(opened.commit())
    expect(sealedCookieSession({ secret: fresh }).open(after).get('k2')).toBe('w')
    expect(sealedCookieSession({ secret: old }).open(after).get('k2')).toBeUndefined()
  })

  it('refuses a write that would make the cookie exceed 4 KB, keeping what it had', () => {
    const cookies = sealedCookieSession({ secret: randomBytes(32) })
    const s = cookies.open(null)
    s.set('small', 'x'.repeat(100))
    const kept = s.commit()
    let error: unknown
    try {
      s.set('big', randomBytes(3000).toString('base64'))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toMatch(/4096 bytes/)
    expect(s.get('big')).toBeUndefined()
    expect(s.commit()).toBe(kept)
    // Just under the limit is fine; every header it produces stays within it.
    let size = 2000
    while (size < 4000) {
      try {
        s.set('big', 'y'.repeat(size))
      } catch {
        break
      }
      expect(Buffer.byteLength(s.commit() as string)).toBeLessThanOrEqual(MAX_COOKIE_BYTES)
      size += 50
    }
    expect(size).toBeGreaterThan(2500)
  })

  it('the vault over a sealed cookie refuses the key that no longer fits and keeps the others', async () => {
    const cookies = sealedCookieSession({ secret: randomBytes(32), secure: false })
    const browser = sealedCookieBrowser(cookies)
    const vault = createVault({ secret: randomBytes(32), store: sessionStore() })
    const me = vault.for({ session: browser })
    const stored: string[] = []
    let refused: unknown
    for (let i = 0; i < 40 && !refused; i++) {
      const provider = `p${i}`
      vault.providers.register({
        id: provider,
        label: `P${i}`,
        pattern: /^key-.{60}$/,
        example: `key-${'e'.repeat(60)}`,
      })
      try {
        await me.set(provider, `key-${randomBytes(45).toString('base64')}`)
        stored.push(provider)
      } catch (error) {
        refused = error
      }
    }
    expect(refused).toBeInstanceOf(ValidationError)
    expect(stored.length).toBeGreaterThanOrEqual(8)
    expect((await me.list()).map((s) => s.provider).sort()).toEqual([...stored].sort())
    expect(Buffer.byteLength(browser.cookie() as string)).toBeLessThanOrEqual(MAX_COOKIE_BYTES)
    // Deleting everything clears the cookie.
    await me.clear()
    expect(browser.cookie()).toBeNull()
  })

  it('refuses weak secrets and bad options with ConfigError', () => {
    expect(() => sealedCookieSession({ secret: 'changeme' })).toThrow(ConfigError)
    expect(() => sealedCookieSession({ secret: [] })).toThrow(ConfigError)
    expect(() => sealedCookieSession({ secret: randomBytes(32), cookieName: 'a b' })).toThrow(ConfigError)
    expect(() => sealedCookieSession({ secret: randomBytes(32), sameSite: 'None', secure: false })).toThrow(
      ConfigError,
    )
    expect(() => sealedCookieSession({ secret: randomBytes(32), maxAgeMs: -5 })).toThrow(ConfigError)
  })

  it('never throws on a hostile Cookie header: anything but its own sealed value opens empty', () => {
    const cookies = sealedCookieSession({ secret: randomBytes(32) })
    const value = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 200 })).map(([a, b]) => `s1.${a}.${b}`),
      fc
        .uint8Array({ maxLength: 200 })
        .map(
          (bytes) =>
            `s1.${randomBytes(12).toString('base64url')}.${Buffer.from(bytes).toString('base64url')}`,
        ),
    )
    fc.assert(
      fc.property(value, fc.string({ maxLength: 50 }), (v, junk) => {
        const opened = cookies.open(`${junk}; kw_vault=${v}; ${junk}`)
        expect(opened.get('keywarden:vault')).toBeUndefined()
      }),
      { numRuns: 2000 },
    )
  })

  it('a session holding anything under the vault key reads as what it can understand, never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withNullPrototype: true }), async (junk) => {
        const data = new Map<string, unknown>([['keywarden:vault', junk]])
        const bound = sessionStore().withSession({
          get: (k) => data.get(k),
          set: (k, v) => void data.set(k, v),
          delete: (k) => void data.delete(k),
        })
        expect(Array.isArray(await bound.listSecrets('session'))).toBe(true)
        await bound.getSecret('user:x', 'openai')
        expect(await bound.putSecret(makeSecretRecord({ scope: 'session' }))).toBe(true)
        expect(await bound.listSecrets('session')).toHaveLength(1)
      }),
      { numRuns: 500 },
    )
  })
})
