import { describe, expect, it } from 'vitest'
import { ConfigError, NotFoundError, ValidationError } from '../../../packages/keywarden/src/errors.js'
import { createKeywarden } from '../../../packages/keywarden/src/index.js'
import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'
import { countingStore } from '../../../packages/keywarden/src/testing/index.js'

function clock(start = Date.UTC(2030, 0, 1)) {
  let t = start
  const now = () => new Date(t)
  return { now, advance: (ms: number) => (t += ms), at: () => t }
}

function setup(options: Partial<Parameters<typeof createKeywarden>[0]> = {}) {
  const store = countingStore(memoryStore())
  const time = clock()
  const warden = createKeywarden({ store, prefix: 'test', now: time.now, lastUsed: false, ...options })
  return { store, time, warden }
}

describe('createKeywarden', () => {
  it('creates a key shown once and stores only its hash', async () => {
    const { warden, store } = setup()
    const { key, record } = await warden.keys.create({ name: 'ci', ownerId: 'o1', scopes: ['users:read'] })
    expect(key).toMatch(/^test_[0-9A-Za-z]{49}$/)
    expect(record.start).toBe(key.slice(0, 9))
    expect(JSON.stringify(record)).not.toContain(key)
    expect(JSON.stringify(record)).not.toContain(key.slice(5, 20))
    const stored = await store.getKeyById(record.id)
    expect(JSON.stringify(stored)).not.toContain(key)
    expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(record).not.toHaveProperty('hash')
    expect(await warden.keys.get(record.id)).toEqual(record)
  })

  it('hashes with SHA-256 hex of the whole key, or HMAC-SHA256 with a pepper', async () => {
    const { createHash, createHmac } = await import('node:crypto')
    const plain = setup()
    const a = await plain.warden.keys.create({ name: 'a' })
    expect((await plain.store.getKeyById(a.record.id))?.hash).toBe(
      createHash('sha256').update(a.key).digest('hex'),
    )
    const pepper = 'p'.repeat(8) + 'q'.repeat(24)
    const peppered = setup({ pepper })
    const b = await peppered.warden.keys.create({ name: 'b' })
    expect((await peppered.store.getKeyById(b.record.id))?.hash).toBe(
      createHmac('sha256', pepper).update(b.key).digest('hex'),
    )
    expect((await peppered.warden.keys.verify(b.key)).valid).toBe(true)
  })

  it('answers every verify code', async () => {
    const { warden, time } = setup()
    const { key, record } = await warden.keys.create({
      name: 'k',
      scopes: ['users:read'],
      expiresAt: new Date(time.at() + 1000),
    })
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, key: { id: record.id } })
    expect(await warden.keys.verify('test_nope')).toEqual({ valid: false, code: 'MALFORMED' })
    const other = createKeywarden({ store: memoryStore(), prefix: 'test', lastUsed: false })
    const unknown = (await other.keys.create({ name: 'x' })).key
    expect(await warden.keys.verify(unknown)).toEqual({ valid: false, code: 'NOT_FOUND' })
    expect(await warden.keys.verify(key, { scopes: ['users:write'] })).toMatchObject({
      valid: false,
      code: 'INSUFFICIENT_SCOPES',
      missingScopes: ['users:write'],
    })
    time.advance(1000)
    expect(await warden.keys.verify(key)).toMatchObject({
      valid: false,
      code: 'EXPIRED',
      key: { id: record.id },
    })
    const second = await warden.keys.create({ name: 'r' })
    await warden.keys.revoke(second.record.id)
    expect(await warden.keys.verify(second.key)).toMatchObject({ valid: false, code: 'REVOKED' })
  })

  it('expires exactly at the boundary (injected clock)', async () => {
    const { warden, time } = setup()
    const expiresAt = new Date(time.at() + 60_000)
    const { key } = await warden.keys.create({ name: 'k', expiresAt })
    time.advance(59_999)
    expect((await warden.keys.verify(key)).valid).toBe(true)
    time.advance(1)
    expect(await warden.keys.verify(key)).toMatchObject({ valid: false, code: 'EXPIRED' })
  })

  it('checks revoked before expired, and scopes only for live keys', async () => {
    const { warden, time } = setup()
    const { key, record } = await warden.keys.create({ name: 'k', expiresAt: time.at() + 10 })
    await warden.keys.revoke(record.id)
    time.advance(100)
    expect(await warden.keys.verify(key, { scopes: ['a:b'] })).toMatchObject({ code: 'REVOKED' })
  })

  it('applies wildcard, hierarchy, all and any through verify', async () => {
    const { warden } = setup({ scopes: { hierarchy: { 'admin:all': ['users:*', 'billing:read'] } } })
    const admin = (await warden.keys.create({ name: 'a', scopes: ['admin:all'] })).key
    const reader = (await warden.keys.create({ name: 'r', scopes: ['users:read'] })).key
    expect((await warden.keys.verify(admin, { scopes: ['users:delete', 'billing:read'] })).valid).toBe(true)
    expect((await warden.keys.verify(admin, { scopes: ['billing:write'] })).valid).toBe(false)
    expect((await warden.keys.verify(reader, { scopes: ['users:read', 'users:write'] })).valid).toBe(false)
    expect(
      (await warden.keys.verify(reader, { scopes: ['users:read', 'users:write'], requirement: 'any' })).valid,
    ).toBe(true)
    expect((await warden.keys.verify(reader, { scopes: ['users:write'], requirement: 'any' })).valid).toBe(
      false,
    )
  })

  it('refuses unknown scopes on create and update when known is set', async () => {
    const { warden } = setup({ scopes: { known: ['users:read', 'users:write'] } })
    await expect(warden.keys.create({ name: 'k', scopes: ['posts:read'] })).rejects.toThrow(ValidationError)
    const { record } = await warden.keys.create({ name: 'k', scopes: ['users:read'] })
    await expect(warden.keys.update(record.id, { scopes: ['users:read', 'posts:read'] })).rejects.toThrow(
      /posts:read.*not in scopes.known/,
    )
    expect((await warden.keys.update(record.id, { scopes: ['users:*'] })).scopes).toEqual(['users:*'])
  })

  it('rolls with a grace period: the old key works until it ends, then answers EXPIRED', async () => {
    const { warden, time } = setup()
    const old = await warden.keys.create({
      name: 'svc',
      ownerId: 'o',
      scopes: ['a:b'],
      metadata: { env: 'prod' },
    })
    const rolled = await warden.keys.roll(old.record.id, { expireOldInMs: 60_000 })
    expect(rolled.key).not.toBe(old.key)
    expect(rolled.record).toMatchObject({
      name: 'svc',
      ownerId: 'o',
      scopes: ['a:b'],
      metadata: { env: 'prod' },
    })
    expect(rolled.record.id).not.toBe(old.record.id)
    expect(rolled.previous.expiresAt?.getTime()).toBe(time.at() + 60_000)
    time.advance(59_999)
    expect((await warden.keys.verify(old.key)).valid).toBe(true)
    expect((await warden.keys.verify(rolled.key)).valid).toBe(true)
    time.advance(1)
    expect(await warden.keys.verify(old.key)).toMatchObject({ valid: false, code: 'EXPIRED' })
    expect((await warden.keys.verify(rolled.key)).valid).toBe(true)
  })

  it('rolls without grace: expireOldInMs 0 ends the old key at once', async () => {
    const { warden } = setup()
    const old = await warden.keys.create({ name: 'svc' })
    const rolled = await warden.keys.roll(old.record.id, { expireOldInMs: 0 })
    expect(await warden.keys.verify(old.key)).toMatchObject({ valid: false, code: 'EXPIRED' })
    expect((await warden.keys.verify(rolled.key)).valid).toBe(true)
    // The grace never extends a key: up to its own expiry, not a millisecond more.
    const soon = await warden.keys.create({ name: 's', expiresAt: Date.UTC(2030, 0, 1, 0, 0, 10) })
    await expect(warden.keys.roll(soon.record.id, { expireOldInMs: 10_001 })).rejects.toThrow(
      /expireOldInMs must be at most 10000/,
    )
    const r2 = await warden.keys.roll(soon.record.id, { expireOldInMs: 10_000 })
    expect(r2.previous.expiresAt?.getTime()).toBe(Date.UTC(2030, 0, 1, 0, 0, 10))
    await warden.keys.revoke(rolled.record.id)
    await expect(warden.keys.roll(rolled.record.id)).rejects.toThrow(/revoked/)
    await expect(warden.keys.roll(old.record.id, { expireOldInMs: -1 })).rejects.toThrow(ValidationError)
  })

  it('rejects malformed keys with zero store calls', async () => {
    const { warden, store } = setup()
    const { key } = await warden.keys.create({ name: 'k' })
    store.resetCalls()
    const bad = [
      key.slice(0, -1),
      `${key}x`,
      key.replace('test_', 'tess_'),
      `${key.slice(0, -1)}${key.at(-1) === '0' ? '1' : '0'}`,
      `${key.slice(0, 8)}!${key.slice(9)}`,
      '',
      'x'.repeat(513),
      undefined,
      null,
      42,
      {},
      [],
      Symbol('k'),
    ]
    for (const input of bad)
      expect(await warden.keys.verify(input)).toEqual({ valid: false, code: 'MALFORMED' })
    expect(store.calls).toEqual({})
  })

  it('updates, revokes idempotently, deletes, and lists by owner with pagination', async () => {
    const { warden, time } = setup()
    const created = []
    for (let i = 0; i < 5; i++) {
      created.push(await warden.keys.create({ name: `k${i}`, ownerId: 'alice' }))
      time.advance(1)
    }
    await warden.keys.create({ name: 'b', ownerId: 'bob' })
    const first = await warden.keys.list({ ownerId: 'alice', limit: 3 })
    expect(first.items.map((k) => k.name)).toEqual(['k4', 'k3', 'k2'])
    const second = await warden.keys.list({ ownerId: 'alice', limit: 3, cursor: first.nextCursor })
    expect(second.items.map((k) => k.name)).toEqual(['k1', 'k0'])
    expect(second.nextCursor).toBeNull()
    const id = created[0]!.record.id
    time.advance(5)
    const updated = await warden.keys.update(id, { name: 'renamed', metadata: { a: 1 }, expiresAt: null })
    expect(updated).toMatchObject({ name: 'renamed', metadata: { a: 1 }, expiresAt: null })
    expect(updated.updatedAt.getTime()).toBe(time.at())
    const revoked = await warden.keys.revoke(id)
    time.advance(5)
    expect((await warden.keys.revoke(id)).revokedAt).toEqual(revoked.revokedAt)
    await warden.keys.delete(id)
    expect(await warden.keys.get(id)).toBeNull()
    await expect(warden.keys.delete(id)).rejects.toThrow(NotFoundError)
    await expect(warden.keys.revoke(id)).rejects.toThrow(NotFoundError)
    await expect(warden.keys.update(id, { name: 'x' })).rejects.toThrow(NotFoundError)
  })

  it('validates input limits, naming the field, before any store call', async () => {
    const { warden, store } = setup()
    store.resetCalls()
    const cases: Array<[unknown, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(129) }, 'name'],
      [{ name: 5 }, 'name'],
      [{ name: 'ok', ownerId: 'o'.repeat(257) }, 'ownerId'],
      [{ name: 'ok', scopes: Array.from({ length: 257 }, (_, i) => `a:b${i}`) }, 'scopes'],
      [{ name: 'ok', scopes: [`a:${'b'.repeat(127)}`] }, 'scopes'],
      [{ name: 'ok', metadata: [] }, 'metadata'],
      [{ name: 'ok', metadata: { big: 'x'.repeat(64 * 1024) } }, 'metadata'],
      [{ name: 'ok', expiresAt: 'not a date' }, 'expiresAt'],
      [{ name: 'ok', expiresAt: Date.UTC(2000, 0, 1) }, 'expiresAt'],
      [{ name: 'nul\u0000byte' }, 'name'],
      [{ name: 'ok', metadata: { a: 'nul\u0000' } }, 'metadata'],
      [{ name: 'ok', metadata: { a: '\ud800' } }, 'metadata'],
      [{ name: 'ok', unknownField: 1 }, 'input.unknownField'],
      [null, 'input'],
    ]
    for (const [input, field] of cases) {
      const error = await warden.keys.create(input as never).catch((e: unknown) => e)
      expect(error, JSON.stringify(input)?.slice(0, 80)).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).field).toBe(field)
      expect((error as ValidationError).code).toBe('ERR_VALIDATION')
      expect((error as Error).message).toContain(field.split('.').pop())
    }
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    await expect(warden.keys.create({ name: 'ok', metadata: cyclic })).rejects.toThrow(ValidationError)
    await expect(warden.keys.list({ limit: 0 })).rejects.toThrow(ValidationError)
    await expect(warden.keys.get(5 as never)).rejects.toThrow(ValidationError)
    expect(store.calls).toEqual({})
  })

  it('refuses bad configuration with ConfigError', () => {
    const store = memoryStore()
    expect(() => createKeywarden({ store, prefix: 'Bad-Prefix' })).toThrow(ConfigError)
    expect(() => createKeywarden({ store: {} as never, prefix: 'ok' })).toThrow(/KeyStore/)
    expect(() => createKeywarden({ store, prefix: 'ok', pepper: 'short' })).toThrow(/pepper/)
    expect(() => createKeywarden({ store, prefix: 'ok', lastUsed: { flushIntervalMs: -1 } })).toThrow(
      ConfigError,
    )
    expect(() => createKeywarden(undefined as never)).toThrow(ConfigError)
  })

  it('verifies legacy (checksum-less) keys only with acceptLegacy and only against legacy records', async () => {
    const { createHash } = await import('node:crypto')
    const store = memoryStore()
    const legacyKey = 'pyk_legacy-key-from-litestar-0123456789'
    const { makeStoredKey } = await import('../../../packages/keywarden/src/testing/index.js')
    await store.createKey(
      makeStoredKey({
        hash: createHash('sha256').update(legacyKey).digest('hex'),
        legacy: true,
        prefix: 'pyk',
      }),
    )
    const strict = createKeywarden({ store, prefix: 'test', lastUsed: false })
    expect(await strict.keys.verify(legacyKey)).toEqual({ valid: false, code: 'MALFORMED' })
    const lenient = createKeywarden({ store, prefix: 'test', lastUsed: false, acceptLegacy: true })
    expect((await lenient.keys.verify(legacyKey)).valid).toBe(true)
    // A checksum-less string matching a non-legacy record's hash is not accepted.
    const plain = 'not-a-keywarden-key-but-long-enough'
    await store.createKey(makeStoredKey({ hash: createHash('sha256').update(plain).digest('hex') }))
    expect(await lenient.keys.verify(plain)).toEqual({ valid: false, code: 'NOT_FOUND' })
  })
})

describe('last-used tracking', () => {
  it('1,000 verifications of one key then flush() cost at most one store write', async () => {
    const store = countingStore(memoryStore())
    const warden = createKeywarden({ store, prefix: 'test', lastUsed: { flushIntervalMs: 60_000 } })
    const { key, record } = await warden.keys.create({ name: 'k' })
    store.resetCalls()
    for (let i = 0; i < 1000; i++) expect((await warden.keys.verify(key)).valid).toBe(true)
    expect(store.calls.touchKeys ?? 0).toBe(0)
    await warden.flush()
    expect(store.calls.touchKeys).toBe(1)
    await warden.flush()
    expect(store.calls.touchKeys).toBe(1)
    expect((await warden.keys.get(record.id))?.lastUsedAt).toBeInstanceOf(Date)
    await warden.close()
  })

  it('writes many keys in one batched call, and close() flushes', async () => {
    const store = countingStore(memoryStore())
    const warden = createKeywarden({ store, prefix: 'test', lastUsed: { flushIntervalMs: 60_000 } })
    const keys = await Promise.all(
      Array.from({ length: 20 }, (_, i) => warden.keys.create({ name: `k${i}` })),
    )
    for (const { key } of keys) await warden.keys.verify(key)
    await warden.close()
    expect(store.calls.touchKeys).toBe(1)
    for (const { record } of keys)
      expect((await store.getKeyById(record.id))?.lastUsedAt).toBeInstanceOf(Date)
  })

  it('flushes on its interval, and keeps failed entries for the next flush', async () => {
    const inner = memoryStore()
    let fail = true
    const store = {
      ...inner,
      async touchKeys(entries: Parameters<typeof inner.touchKeys>[0]) {
        if (fail) throw new Error('store down')
        return inner.touchKeys(entries)
      },
    }
    const errors: unknown[] = []
    const warden = createKeywarden({
      store,
      prefix: 'test',
      lastUsed: { flushIntervalMs: 20 },
      onError: (e) => errors.push(e),
    })
    const { key, record } = await warden.keys.create({ name: 'k' })
    await warden.keys.verify(key)
    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0)
    fail = false
    await expect
      .poll(async () => (await inner.getKeyById(record.id))?.lastUsedAt, { timeout: 5000 })
      .toBeInstanceOf(Date)
    await warden.close()
  })
})
