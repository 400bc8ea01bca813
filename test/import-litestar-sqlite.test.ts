import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importLitestarKeys } from '../packages/keywarden/src/import/index.js'
import { ConfigError, createKeywarden, StoreError } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { type LitestarKey, litestarKey, SQLITE_DDL, sqliteDateTime } from './fixtures/litestar-schema.js'

const NOW = new Date('2026-01-15T12:00:00.000Z')
const dir = mkdtempSync(join(tmpdir(), 'kw-litestar-'))
const file = join(dir, 'litestar.db')

const active = litestarKey()
const inactive = litestarKey()
const expired = litestarKey()
const bareScope = litestarKey('custom_')
const badHash = litestarKey()
const badScope = litestarKey()
const nullMetadata = litestarKey()

function insert(db: Database.Database, key: LitestarKey, row: Record<string, unknown>): void {
  db.prepare(
    `INSERT INTO api_keys (key_id, key_hash, name, scopes, is_active, created_at, expires_at, last_used_at, metadata_)
     VALUES (@key_id, @key_hash, @name, @scopes, @is_active, @created_at, @expires_at, @last_used_at, @metadata_)`,
  ).run({
    key_id: key.keyId,
    key_hash: key.hash,
    name: 'a key',
    scopes: '[]',
    is_active: 1,
    created_at: sqliteDateTime(new Date('2025-03-01T08:00:00.000Z')),
    expires_at: null,
    last_used_at: null,
    metadata_: 'null',
    ...row,
  })
}

beforeAll(() => {
  const db = new Database(file)
  db.exec(SQLITE_DDL('api_keys'))
  insert(db, active, {
    name: 'Production reader',
    scopes: JSON.stringify(['users:read', 'reports:read']),
    created_at: '2025-03-01 08:00:00.123456',
    expires_at: sqliteDateTime(new Date('2027-01-01T00:00:00.000Z')),
    last_used_at: '2026-01-10 09:30:15.987654',
    metadata_: JSON.stringify({ owner_id: 'user-123', team: 'data' }),
  })
  insert(db, inactive, { name: 'Old CI key', is_active: 0, scopes: JSON.stringify(['ci:deploy']) })
  insert(db, expired, { name: 'Expired', expires_at: sqliteDateTime(new Date('2025-06-01T00:00:00.000Z')) })
  insert(db, bareScope, { name: 'Admin', scopes: JSON.stringify(['admin', 'users:write']) })
  insert(db, badHash, { key_hash: 'not-a-sha256', name: 'Broken' })
  insert(db, badScope, { name: 'Odd scope', scopes: JSON.stringify(['users read!']) })
  insert(db, nullMetadata, { name: 'x'.repeat(200), metadata_: null, created_at: null })
  db.close()
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('importLitestarKeys from a sqlite database in litestar-api-auth schema', () => {
  it('imports every good row, reports the bad ones, and the old raw keys keep working', async () => {
    const store = memoryStore()
    const progress: Array<{ done: number; total: number }> = []
    const report = await importLitestarKeys({
      url: `sqlite:${file}`,
      store,
      batchSize: 3,
      now: () => NOW,
      onProgress: (p) => progress.push(p),
    })
    expect(report.total).toBe(7)
    expect(report.imported).toBe(5)
    expect(report.skipped).toBe(0)
    expect(report.failed).toEqual([
      { id: badHash.keyId, reason: expect.stringContaining('key_hash is not a SHA-256') },
      { id: badScope.keyId, reason: expect.stringContaining('scope #1') },
    ])
    expect(JSON.stringify(report)).not.toContain(active.hash)
    expect(progress.at(0)).toEqual({ done: 0, total: 7 })
    expect(progress.at(-1)).toEqual({ done: 7, total: 7 })
    expect(progress.map((p) => p.done)).toEqual([0, 3, 6, 7])

    const legacy = createKeywarden({
      store,
      prefix: 'kw',
      acceptLegacy: true,
      lastUsed: false,
      now: () => NOW,
    })
    const ok = await legacy.keys.verify(active.raw, { scopes: ['users:read'] })
    expect(ok).toMatchObject({ valid: true, key: { id: active.keyId, name: 'Production reader' } })
    expect(await legacy.keys.verify(inactive.raw)).toMatchObject({ valid: false, code: 'REVOKED' })
    expect(await legacy.keys.verify(expired.raw)).toMatchObject({ valid: false, code: 'EXPIRED' })
    expect(await legacy.keys.verify(bareScope.raw, { scopes: ['admin:anything'] })).toMatchObject({
      valid: true,
    })
    expect(await legacy.keys.verify(nullMetadata.raw)).toMatchObject({ valid: true })
    expect(await legacy.keys.verify(badHash.raw)).toMatchObject({ valid: false, code: 'NOT_FOUND' })
    // a near miss of a real key is not accepted
    expect(await legacy.keys.verify(`${active.raw.slice(0, -1)}x`)).toMatchObject({ valid: false })

    const strict = createKeywarden({ store, prefix: 'kw', lastUsed: false, now: () => NOW })
    for (const key of [active, inactive, expired, bareScope, nullMetadata]) {
      expect(await strict.keys.verify(key.raw)).toEqual({ valid: false, code: 'MALFORMED' })
    }
  })

  it('carries name, scopes, state, dates and metadata over exactly', async () => {
    const store = memoryStore()
    await importLitestarKeys({ url: `sqlite:${file}`, store, now: () => NOW })
    const record = await store.getKeyById(active.keyId)
    expect(record).toMatchObject({
      id: active.keyId,
      hash: active.hash,
      name: 'Production reader',
      ownerId: 'user-123',
      prefix: 'pyorg',
      scopes: ['users:read', 'reports:read'],
      metadata: { owner_id: 'user-123', team: 'data' },
      revokedAt: null,
      legacy: true,
      remaining: null,
      rateLimits: [],
    })
    expect(record?.createdAt.toISOString()).toBe('2025-03-01T08:00:00.123Z')
    expect(record?.lastUsedAt?.toISOString()).toBe('2026-01-10T09:30:15.987Z')
    expect(record?.expiresAt?.toISOString()).toBe('2027-01-01T00:00:00.000Z')
    expect((await store.getKeyById(inactive.keyId))?.revokedAt).toEqual(NOW)
    expect((await store.getKeyById(bareScope.keyId))?.scopes).toEqual(['admin:*', 'users:write'])
    const long = await store.getKeyById(nullMetadata.keyId)
    expect(long?.name).toHaveLength(128)
    expect(long?.metadata).toEqual({})
    expect(long?.createdAt).toEqual(NOW)
    expect(long?.ownerId).toBeNull()
  })

  it('is idempotent: a second run skips what the first imported; mapScope rescues odd scopes', async () => {
    const store = memoryStore()
    const url = `sqlite:///${file}` // SQLAlchemy's form: sqlite:/// + absolute path
    const mapScope = (scope: string) =>
      scope === 'users read!' ? 'users:read' : scope.includes(':') ? scope : null
    const first = await importLitestarKeys({ url, store, mapScope })
    expect(first).toMatchObject({ imported: 5, skipped: 0 })
    expect(first.failed.map((f) => f.id).sort()).toEqual([badHash.keyId, bareScope.keyId].sort())
    const second = await importLitestarKeys({ url: `sqlite+aiosqlite:///${file}`, store })
    // badScope was imported by the first run, but without mapScope its row does not convert
    expect(second).toMatchObject({ total: 7, imported: 1, skipped: 4 })
    expect(second.failed.map((f) => f.id).sort()).toEqual([badHash.keyId, badScope.keyId].sort())
    expect((await store.getKeyById(badScope.keyId))?.scopes).toEqual(['users:read'])
  })

  it('refuses bad options with errors that say what to fix', async () => {
    const store = memoryStore()
    const warden = createKeywarden({ store, prefix: 'kw' })
    await expect(importLitestarKeys({ url: `sqlite:${file}`, warden } as never)).rejects.toThrow(
      /needs the KeyStore your warden uses/,
    )
    await expect(importLitestarKeys({ url: `sqlite:${file}`, store, table: 'x; DROP' })).rejects.toThrow(
      ConfigError,
    )
    await expect(importLitestarKeys({ url: 'ftp://x', store })).rejects.toThrow(ConfigError)
    await expect(importLitestarKeys({ url: `sqlite:${join(dir, 'missing.db')}`, store })).rejects.toThrow(
      StoreError,
    )
    await expect(importLitestarKeys({ url: `sqlite:${file}`, store, table: 'nope' })).rejects.toThrow(
      StoreError,
    )
    await expect(
      importLitestarKeys({ url: 'postgres://postgres:hunter2secret@127.0.0.1:1/test', store }),
    ).rejects.toSatisfy((error: Error) => error instanceof StoreError && !error.message.includes('hunter2'))
  })
})
