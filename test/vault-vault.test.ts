import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, DecryptError, ValidationError } from '../packages/keywarden/src/errors.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sessionStore } from '../packages/keywarden/src/stores/session/session-store.js'
import type { SecretRecord, SessionLike } from '../packages/keywarden/src/stores/types.js'
import { countingStore } from '../packages/keywarden/src/testing/index.js'
import { createVault, importFromEnv, type RotateProgress } from '../packages/keywarden/src/vault/index.js'

const OPENAI = 'sk-proj-AbCdEf0123456789AbCdEf0123456789'
const ANTHROPIC = 'sk-ant-api03-ZyXwVu9876543210ZyXwVu9876543210'
const secret = () => randomBytes(32).toString('base64')

function clock(start = Date.UTC(2026, 0, 1)) {
  let t = start
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms
    },
    at: () => t,
  }
}

function plainSession(): SessionLike {
  const data = new Map<string, unknown>()
  return { get: (k) => data.get(k), set: (k, v) => void data.set(k, v), delete: (k) => void data.delete(k) }
}

describe('createVault', () => {
  it('sets, gets, has, lists, deletes and clears one user’s keys', async () => {
    const store = memoryStore()
    const vault = createVault({ secret: secret(), store })
    const alice = vault.for({ userId: 'alice' })
    expect(alice.scope).toBe('user:alice')
    const summary = await alice.set('openai', OPENAI)
    expect(summary).toMatchObject({ provider: 'openai', label: 'OpenAI', masked: 'sk-p…6789' })
    expect(summary.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    await alice.set('anthropic', `  ${ANTHROPIC}\n`)
    expect(await alice.get('openai')).toBe(OPENAI)
    expect(await alice.get('anthropic')).toBe(ANTHROPIC)
    expect(await alice.get('groq')).toBeNull()
    expect(await alice.has('openai')).toBe(true)
    expect(await alice.has('groq')).toBe(false)
    expect(await vault.for({ userId: 'bob' }).get('openai')).toBeNull()
    expect((await alice.list()).map((s) => s.provider)).toEqual(['anthropic', 'openai'])
    expect(await alice.delete('openai')).toBe(true)
    expect(await alice.delete('openai')).toBe(false)
    expect(await alice.get('openai')).toBeNull()
    expect(await alice.clear()).toBe(1)
    expect(await alice.list()).toEqual([])
    // The stored record holds only ciphertext.
    await alice.set('openai', OPENAI)
    const stored = (await store.getSecret('user:alice', 'openai')) as SecretRecord
    expect(JSON.stringify(stored)).not.toContain(OPENAI)
    expect(stored.ciphertext.startsWith('kw1.k1.')).toBe(true)
  })

  it('list() output never contains a plaintext key, in any part of its JSON', async () => {
    const vault = createVault({ secret: secret(), store: memoryStore() })
    const me = vault.for({ userId: 'carol' })
    const keys = {
      openai: OPENAI,
      anthropic: ANTHROPIC,
      groq: `gsk_${'Q'.repeat(40)}`,
      google: `AIza${'G'.repeat(35)}`,
      mistral: 'M1'.repeat(16),
    }
    for (const [provider, key] of Object.entries(keys)) await me.set(provider, key)
    const json = JSON.stringify(await me.list())
    for (const key of Object.values(keys)) {
      expect(json).not.toContain(key)
      // Nor any 9-character run of it (the mask shows 4 + 4).
      for (let i = 0; i + 9 <= key.length; i++) expect(json).not.toContain(key.slice(i, i + 9))
    }
    expect(JSON.parse(json)).toHaveLength(5)
  })

  it('expires exactly at expiresAt with an injected clock (default TTL 24 h)', async () => {
    const time = clock()
    const vault = createVault({ secret: secret(), store: memoryStore(), now: time.now })
    const me = vault.for({ userId: 'dave' })
    const { expiresAt } = await me.set('openai', OPENAI)
    expect(expiresAt?.getTime()).toBe(time.at() + 24 * 3600_000)
    await me.set('anthropic', ANTHROPIC, { ttlMs: 1000 })
    time.advance(999)
    expect(await me.get('anthropic')).toBe(ANTHROPIC)
    expect(await me.has('anthropic')).toBe(true)
    time.advance(1)
    expect(await me.get('anthropic')).toBeNull()
    expect(await me.has('anthropic')).toBe(false)
    expect((await me.list()).map((s) => s.provider)).toEqual(['openai'])
    time.advance(24 * 3600_000 - 1001)
    expect(await me.get('openai')).toBe(OPENAI)
    time.advance(1)
    expect(await me.get('openai')).toBeNull()
  })

  it('ttlMs null and defaultTtlMs null never expire', async () => {
    const time = clock()
    const never = createVault({ secret: secret(), store: memoryStore(), now: time.now, defaultTtlMs: null })
    const me = never.for({ userId: 'erin' })
    expect((await me.set('openai', OPENAI)).expiresAt).toBeNull()
    const daily = createVault({ secret: secret(), store: memoryStore(), now: time.now })
    const other = daily.for({ userId: 'erin' })
    await other.set('openai', OPENAI, { ttlMs: null })
    time.advance(1000 * 24 * 3600_000)
    expect(await me.get('openai')).toBe(OPENAI)
    expect(await other.get('openai')).toBe(OPENAI)
  })

  it('purgeExpired removes expired values only and returns the count', async () => {
    const time = clock()
    const store = memoryStore()
    const vault = createVault({ secret: secret(), store, now: time.now })
    for (let i = 0; i < 30; i++)
      await vault.for({ userId: `u${i}` }).set('openai', OPENAI, { ttlMs: i < 20 ? 1000 : 5000 })
    time.advance(1000)
    expect(await vault.purgeExpired({ pageSize: 7 })).toBe(20)
    expect(await vault.purgeExpired()).toBe(0)
    expect(await vault.for({ userId: 'u25' }).get('openai')).toBe(OPENAI)
    expect(await store.getSecret('user:u3', 'openai')).toBeNull()
  })

  it('a ciphertext copied to another user or provider -> DecryptError', async () => {
    const store = memoryStore()
    const vault = createVault({ secret: secret(), store })
    await vault.for({ userId: 'alice' }).set('openai', OPENAI)
    const stolen = (await store.getSecret('user:alice', 'openai')) as SecretRecord
    await store.putSecret({ ...stolen, scope: 'user:mallory' })
    await expect(vault.for({ userId: 'mallory' }).get('openai')).rejects.toThrow(DecryptError)
    // Another provider that accepts the same key shape: the AAD still differs.
    await store.putSecret({ ...stolen, provider: 'deepseek' })
    await expect(vault.for({ userId: 'alice' }).get('deepseek')).rejects.toThrow(DecryptError)
    expect(await vault.for({ userId: 'alice' }).get('openai')).toBe(OPENAI)
  })

  it('one flipped bit anywhere in a stored ciphertext -> DecryptError from get', async () => {
    const store = memoryStore()
    const vault = createVault({ secret: secret(), store })
    const me = vault.for({ userId: 'frank' })
    await me.set('openai', OPENAI)
    const original = (await store.getSecret('user:frank', 'openai')) as SecretRecord
    for (let i = 0; i < original.ciphertext.length; i++) {
      for (let bit = 0; bit < 7; bit++) {
        const c = original.ciphertext
        const flipped = c.slice(0, i) + String.fromCharCode(c.charCodeAt(i) ^ (1 << bit)) + c.slice(i + 1)
        await store.putSecret({ ...original, ciphertext: flipped })
        await expect(me.get('openai'), `char ${i} bit ${bit}`).rejects.toThrow(DecryptError)
      }
    }
    await store.putSecret(original)
    expect(await me.get('openai')).toBe(OPENAI)
  })

  it('the wrong secret -> DecryptError, and the row is still stored', async () => {
    const store = memoryStore()
    await createVault({ secret: secret(), store }).for({ userId: 'gina' }).set('openai', OPENAI)
    const before = await store.getSecret('user:gina', 'openai')
    const wrong = createVault({ secret: secret(), store })
    const gina = wrong.for({ userId: 'gina' })
    const error = await gina.get('openai').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DecryptError)
    expect((error as Error).message).toMatch(/secret or keyring does not match/)
    expect(await gina.has('openai')).toBe(true)
    expect(await gina.list()).toHaveLength(1)
    expect(await store.getSecret('user:gina', 'openai')).toEqual(before)
    // Neither rotate nor purge removes what it cannot decrypt.
    // Same key id, other secret: rotate reports it as failed, not as current.
    const sameId = await wrong.rotate()
    expect(sameId).toMatchObject({ scanned: 1, upToDate: 0, rotated: 0 })
    expect(sameId.failed).toEqual([
      { scope: 'user:gina', provider: 'openai', reason: expect.stringMatching(/does not match key "k1"/) },
    ])
    const wrongRing = createVault({ keyring: { current: 'k2', keys: { k1: secret(), k2: secret() } }, store })
    const rotated = await wrongRing.rotate()
    expect(rotated).toMatchObject({ scanned: 1, rotated: 0 })
    expect(rotated.failed).toEqual([
      { scope: 'user:gina', provider: 'openai', reason: expect.stringMatching(/does not match/) },
    ])
    expect(await wrong.purgeExpired()).toBe(0)
    expect(await store.getSecret('user:gina', 'openai')).toEqual(before)
  })

  it('a 3-key keyring rotation re-encrypts 10,000 secrets, calling onProgress, every plaintext intact', async () => {
    const keys = { k1: secret(), k2: secret(), k3: secret() }
    const store = memoryStore()
    const v1 = createVault({ keyring: { current: 'k1', keys: { k1: keys.k1 } }, store, defaultTtlMs: null })
    const v2 = createVault({
      keyring: { current: 'k2', keys: { k1: keys.k1, k2: keys.k2 } },
      store,
      defaultTtlMs: null,
    })
    const v3 = createVault({ keyring: { current: 'k3', keys }, store, defaultTtlMs: null })
    const plaintext = (i: number) => `sk-proj-${String(i).padStart(8, '0')}AbCdEf0123456789xyz`
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 10_000; i++)
      writes.push((i % 2 ? v1 : v2).for({ userId: `user${i}` }).set('openai', plaintext(i)))
    await Promise.all(writes)

    const progress: RotateProgress[] = []
    const result = await v3.rotate({ onProgress: (p) => progress.push(p), pageSize: 1000 })
    expect(result).toMatchObject({ scanned: 10_000, rotated: 10_000, upToDate: 0, conflicts: 0, failed: [] })
    expect(progress.length).toBe(10)
    expect(progress.map((p) => p.scanned)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 1000))

    let page = await store.scanSecrets({ limit: 20_000 })
    expect(page.items).toHaveLength(10_000)
    for (const record of page.items) {
      expect(record.keyId).toBe('k3')
      expect(record.ciphertext.startsWith('kw1.k3.')).toBe(true)
    }
    // Only k3 is needed now.
    const only3 = createVault({ keyring: { current: 'k3', keys: { k3: keys.k3 } }, store })
    const reads = await Promise.all(
      Array.from({ length: 10_000 }, (_, i) => only3.for({ userId: `user${i}` }).get('openai')),
    )
    for (const [i, read] of reads.entries()) expect(read).toBe(plaintext(i))
    expect((await v3.rotate()).upToDate).toBe(10_000)
    page = await store.scanSecrets({ limit: 1 })
    expect(page.nextCursor).not.toBeNull()
  })

  it('rotation never overwrites a value set concurrently (compare-and-set)', async () => {
    const keys = { k1: secret(), k2: secret() }
    const base = memoryStore()
    const v1 = createVault({ keyring: { current: 'k1', keys: { k1: keys.k1 } }, store: base })
    for (let i = 0; i < 50; i++) await v1.for({ userId: `u${i}` }).set('openai', OPENAI)
    // A store whose scan hands out a page, then lets "another request" replace every value before rotate writes.
    let raced = false
    const v2Writer = createVault({ keyring: { current: 'k2', keys }, store: base })
    const racing = {
      ...base,
      async scanSecrets(query: Parameters<typeof base.scanSecrets>[0]) {
        const page = await base.scanSecrets(query)
        if (!raced) {
          raced = true
          for (let i = 0; i < 50; i += 2)
            await v2Writer.for({ userId: `u${i}` }).set('openai', ANTHROPIC.replace('sk-ant-', 'sk-'))
        }
        return page
      },
    }
    const v2 = createVault({ keyring: { current: 'k2', keys }, store: racing })
    const result = await v2.rotate()
    expect(result.conflicts).toBe(25)
    expect(result.rotated).toBe(25)
    for (let i = 0; i < 50; i++) {
      expect(await v2.for({ userId: `u${i}` }).get('openai')).toBe(
        i % 2 ? OPENAI : ANTHROPIC.replace('sk-ant-', 'sk-'),
      )
    }
  })

  it('get re-encrypts a value under an old key lazily (values in sessions are out of rotate’s reach)', async () => {
    const keys = { k1: secret(), k2: secret() }
    const store = sessionStore()
    const session = plainSession()
    await createVault({ keyring: { current: 'k1', keys: { k1: keys.k1 } }, store })
      .for({ session })
      .set('groq', `gsk_${'a'.repeat(30)}`)
    const v2 = createVault({ keyring: { current: 'k2', keys }, store })
    const me = v2.for({ session })
    expect(me.scope).toBe('session')
    expect(await me.get('groq')).toBe(`gsk_${'a'.repeat(30)}`)
    const record = await store.withSession(session).getSecret('session', 'groq')
    expect(record?.keyId).toBe('k2')
    expect(
      await createVault({ keyring: { current: 'k2', keys: { k2: keys.k2 } }, store })
        .for({ session })
        .get('groq'),
    ).toBe(`gsk_${'a'.repeat(30)}`)
  })

  it('get with the current key costs one store read and no write', async () => {
    const store = countingStore(memoryStore())
    const vault = createVault({ secret: secret(), store })
    await vault.for({ userId: 'h' }).set('openai', OPENAI)
    store.resetCalls()
    expect(await vault.for({ userId: 'h' }).get('openai')).toBe(OPENAI)
    expect(store.calls).toEqual({ getSecret: 1 })
  })
})

describe('providers', () => {
  const vault = createVault({ secret: secret(), store: memoryStore() })
  const me = vault.for({ userId: 'ivy' })

  it('accepts each built-in provider’s example and refuses keys of another shape without echoing them', async () => {
    for (const provider of vault.providers.list()) {
      await me.set(provider.id, provider.example)
      expect(await me.get(provider.id)).toBe(provider.example)
    }
    const wrong = 'not-a-real-key-at-all-12345'
    const error = await me.set('openai', wrong).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toMatch(/OpenAI/)
    expect((error as Error).message).toMatch(/sk-/)
    expect((error as Error).message).not.toContain(wrong)
    await expect(me.set('openai', ANTHROPIC)).rejects.toThrow(ValidationError)
    await expect(me.set('anthropic', OPENAI)).rejects.toThrow(ValidationError)
    await expect(me.set('openrouter', 'sk-or-v1-0123456789abcdef0123456789abcdef')).resolves.toBeTruthy()
    await expect(me.set('openai', 'sk-or-v1-0123456789abcdef0123456789abcdef')).rejects.toThrow(
      ValidationError,
    )
  })

  it('refuses unknown providers unless the app registers them', async () => {
    await expect(me.set('acme', 'acme_0123456789')).rejects.toThrow(/unknown provider "acme"/)
    const custom = createVault({
      secret: secret(),
      store: memoryStore(),
      providers: [
        { id: 'acme', label: 'Acme AI', pattern: /^acme_[0-9a-f]{10,}$/, example: 'acme_0123456789' },
      ],
    })
    const you = custom.for({ userId: 'ivy' })
    await you.set('acme', 'acme_0123456789abcdef')
    expect((await you.list())[0]?.label).toBe('Acme AI')
    await expect(you.set('acme', 'acme_XYZ')).rejects.toThrow(/Acme AI/)
    await expect(you.set('openai', OPENAI)).resolves.toBeTruthy()
    expect(() =>
      createVault({
        secret: secret(),
        store: memoryStore(),
        providers: [{ id: 'Bad Id', label: 'x', pattern: /x/, example: 'x' }],
      }),
    ).toThrow(ConfigError)
  })

  it('validates every input with typed errors', async () => {
    await expect(me.set('openai', 42 as never)).rejects.toThrow(ValidationError)
    await expect(me.set('openai', '   ')).rejects.toThrow(ValidationError)
    await expect(me.set('openai', OPENAI, { ttlMs: -1 })).rejects.toThrow(ValidationError)
    await expect(me.set('openai', OPENAI, { ttlMs: 5, expiresAt: null })).rejects.toThrow(ValidationError)
    await expect(me.get('../etc' as never)).rejects.toThrow(ValidationError)
    expect(() => vault.for({})).toThrow(ValidationError)
    expect(() => vault.for({ userId: '' })).toThrow(ValidationError)
    expect(() => vault.for({ session: plainSession() })).toThrow(ConfigError)
    expect(() => createVault({ secret: secret(), store: {} as never })).toThrow(ConfigError)
    expect(() => createVault({ secret: secret(), store: memoryStore(), defaultTtlMs: 0 })).toThrow(
      ConfigError,
    )
    expect(() => createVault({ secret: 'changeme', store: memoryStore() })).toThrow(ConfigError)
    await expect(sessionStore().getSecret('user:x', 'openai')).rejects.toThrow(ConfigError)
  })
})

describe('importFromEnv', () => {
  it('stores API_KEY_<PROVIDER> variables and reports the missing ones', async () => {
    const vault = createVault({ secret: secret(), store: memoryStore() })
    const me = vault.for({ userId: 'jo' })
    const env = { API_KEY_OPENAI: OPENAI, API_KEY_ANTHROPIC: '', MY_GROQ: `gsk_${'b'.repeat(30)}` }
    expect(await importFromEnv(me, ['openai', 'anthropic', 'groq'], { env })).toEqual({
      imported: ['openai'],
      missing: ['anthropic', 'groq'],
    })
    expect(await me.get('openai')).toBe(OPENAI)
    expect(await importFromEnv(me, ['groq'], { env, prefix: 'MY_' })).toEqual({
      imported: ['groq'],
      missing: [],
    })
    const bad = await importFromEnv(me, ['anthropic'], {
      env: { API_KEY_ANTHROPIC: 'nope-nope-nope' },
    }).catch((e) => e)
    expect(bad).toBeInstanceOf(ValidationError)
    expect(bad.message).toMatch(/API_KEY_ANTHROPIC/)
    expect(bad.message).not.toContain('nope-nope-nope')
  })
})
