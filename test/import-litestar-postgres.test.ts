import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importLitestarKeys } from '../packages/keywarden/src/import/index.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { litestarKey, POSTGRES_DDL } from './fixtures/litestar-schema.js'
import { POSTGRES_URL, serviceSkip, uniqueName } from './support/services.js'

const skip = await serviceSkip('postgres')
const schema = uniqueName('kw_litestar')
const keys = [litestarKey(), litestarKey(), litestarKey()] as const

describe.skipIf(skip)('importLitestarKeys from postgres (jsonb, timestamptz, bigint ids)', () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL })

  beforeAll(async () => {
    await client.connect()
    await client.query(POSTGRES_DDL(schema, 'api_keys'))
    const insert = `INSERT INTO ${schema}.api_keys
      (key_id, key_hash, name, scopes, is_active, created_at, expires_at, last_used_at, metadata_)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
    await client.query(insert, [
      keys[0].keyId,
      keys[0].hash,
      'reader',
      '["users:read"]',
      true,
      '2025-03-01T08:00:00.123456+00',
      null,
      '2026-01-01T10:00:00+02',
      '{"owner_id":"u-1"}',
    ])
    await client.query(insert, [
      keys[1].keyId,
      keys[1].hash,
      'off',
      '[]',
      false,
      '2025-03-01T08:00:00Z',
      null,
      null,
      'null',
    ])
    await client.query(insert, [
      keys[2].keyId,
      keys[2].hash,
      'admin',
      '["admin"]',
      true,
      '2025-03-01T08:00:00Z',
      '2030-01-01T00:00:00Z',
      null,
      null,
    ])
  })

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  })

  it('imports every row of a schema-qualified table and the old keys verify', async () => {
    const store = memoryStore()
    const report = await importLitestarKeys({
      url: POSTGRES_URL.replace(/^postgres:/, 'postgresql+asyncpg:'),
      table: `${schema}.api_keys`,
      store,
      batchSize: 2,
    })
    expect(report).toEqual({ total: 3, imported: 3, skipped: 0, failed: [] })
    const warden = createKeywarden({ store, prefix: 'kw', acceptLegacy: true, lastUsed: false })
    expect(await warden.keys.verify(keys[0].raw, { scopes: ['users:read'] })).toMatchObject({ valid: true })
    expect(await warden.keys.verify(keys[1].raw)).toMatchObject({ valid: false, code: 'REVOKED' })
    expect(await warden.keys.verify(keys[2].raw, { scopes: ['admin:x'] })).toMatchObject({ valid: true })
    const first = await store.getKeyById(keys[0].keyId)
    expect(first?.createdAt.toISOString()).toBe('2025-03-01T08:00:00.123Z')
    expect(first?.lastUsedAt?.toISOString()).toBe('2026-01-01T08:00:00.000Z')
    expect(first?.ownerId).toBe('u-1')
    expect((await store.getKeyById(keys[2].keyId))?.expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z')
  })
})
