import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { hybridStore } from '../packages/keywarden/src/stores/hybrid.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sealedCookieSession } from '../packages/keywarden/src/stores/session/sealed-cookie.js'
import { sessionStore } from '../packages/keywarden/src/stores/session/session-store.js'
import type { SessionLike } from '../packages/keywarden/src/stores/types.js'
import { makeSecretRecord } from '../packages/keywarden/src/testing/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { sealedCookieBrowser } from './session-drivers.js'

function plainSession(): SessionLike {
  const data = new Map<string, unknown>()
  return { get: (k) => data.get(k), set: (k, v) => void data.set(k, v), delete: (k) => void data.delete(k) }
}

const LONG = {
  id: 'long',
  label: 'Long',
  pattern: /^long-[A-Za-z0-9_-]{10,4000}$/,
  example: 'long-0123456789',
}

describe('hybridStore', () => {
  it('reads the session first, falls back to the persistent store and warms the session', async () => {
    const sessions = sessionStore()
    const persistent = memoryStore()
    const store = hybridStore({ session: sessions, persistent })
    const visitor = plainSession()
    const record = makeSecretRecord()
    await persistent.putSecret(record)
    expect(await sessions.withSession(visitor).getSecret(record.scope, record.provider)).toBeNull()
    expect((await store.withSession(visitor).getSecret(record.scope, record.provider))?.ciphertext).toBe(
      record.ciphertext,
    )
    expect((await sessions.withSession(visitor).getSecret(record.scope, record.provider))?.ciphertext).toBe(
      record.ciphertext,
    )
    // Served from the session now, even if the persistent copy goes away.
    await persistent.deleteSecret(record.scope, record.provider)
    expect(await store.withSession(visitor).getSecret(record.scope, record.provider)).not.toBeNull()
  })

  it('writes and deletes go to both; values of the session scope never reach the persistent store', async () => {
    const sessions = sessionStore()
    const persistent = memoryStore()
    const bound = hybridStore({ session: sessions, persistent }).withSession(plainSession())
    const mine = makeSecretRecord()
    await bound.putSecret(mine)
    expect(await persistent.getSecret(mine.scope, mine.provider)).not.toBeNull()
    const anonymous = makeSecretRecord({ scope: 'session' })
    await bound.putSecret(anonymous)
    expect(await persistent.getSecret('session', anonymous.provider)).toBeNull()
    expect(await bound.getSecret('session', anonymous.provider)).not.toBeNull()
    expect(await bound.deleteSecret(mine.scope, mine.provider)).toBe(true)
    expect(await persistent.getSecret(mine.scope, mine.provider)).toBeNull()
    expect(await bound.getSecret(mine.scope, mine.provider)).toBeNull()
  })

  it('a lost compare-and-set refreshes the session from the persistent store', async () => {
    const persistent = memoryStore()
    const visitor = plainSession()
    const bound = hybridStore({ session: sessionStore(), persistent }).withSession(visitor)
    const record = makeSecretRecord()
    await bound.putSecret(record)
    const newer = { ...record, ciphertext: 'kw1.k1.newer.value' }
    await persistent.putSecret(newer)
    expect(
      await bound.putSecret(
        { ...record, ciphertext: 'kw1.k2.rotated.value' },
        { ifCiphertext: record.ciphertext },
      ),
    ).toBe(false)
    expect((await bound.getSecret(record.scope, record.provider))?.ciphertext).toBe('kw1.k1.newer.value')
  })

  it('over a full sealed cookie: every key persists, and a value the cookie cannot take is never read stale', async () => {
    const cookies = sealedCookieSession({ secret: randomBytes(32) })
    const persistent = memoryStore()
    const browser = sealedCookieBrowser(cookies)
    const vault = createVault({
      secret: randomBytes(32),
      store: hybridStore({ session: sessionStore(), persistent }),
      providers: [LONG],
    })
    const me = vault.for({ userId: 'many', session: browser })
    vault.providers.register({ ...LONG, id: 'small' })
    await me.set('small', 'long-small0123456789')
    const big = `long-${randomBytes(3000).toString('base64url')}`
    await me.set('small', big)
    expect(await me.get('small')).toBe(big)
    for (let i = 0; i < 25; i++) {
      vault.providers.register({ ...LONG, id: `p${i}` })
      await me.set(`p${i}`, `long-${randomBytes(40).toString('base64url')}${i}`)
    }
    expect((await me.list()).length).toBe(26)
    for (let i = 0; i < 25; i++) expect((await me.get(`p${i}`))?.endsWith(String(i))).toBe(true)
  })

  it('refuses stores that are not SecretStores or a session that is not session-bound', () => {
    expect(() => hybridStore({ session: memoryStore(), persistent: memoryStore() })).toThrow(ConfigError)
    expect(() => hybridStore({ session: sessionStore(), persistent: {} as never })).toThrow(ConfigError)
  })
})
