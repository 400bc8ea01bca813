import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importLitestarKeys } from '../packages/keywarden/src/import/index.js'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { litestarKey, MYSQL_DDL } from './fixtures/litestar-schema.js'
import { MYSQL_URL, serviceSkip, uniqueName } from './support/services.js'

const skip = await serviceSkip('mysql')
const table = uniqueName('litestar_keys')
const keys = [litestarKey(), litestarKey()] as const

describe.skipIf(skip)('importLitestarKeys from MySQL/MariaDB (JSON, naive UTC DATETIME)', () => {
  let connection: mysql.Connection

  beforeAll(async () => {
    connection = await mysql.createConnection({ uri: MYSQL_URL, timezone: 'Z' })
    await connection.query(MYSQL_DDL(table))
    const insert = `INSERT INTO ${table}
      (key_id, key_hash, name, scopes, is_active, created_at, expires_at, last_used_at, metadata_)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    await connection.query(insert, [
      keys[0].keyId,
      keys[0].hash,
      'reader',
      '["users:read"]',
      1,
      '2025-03-01 08:00:00',
      null,
      '2026-01-01 10:00:00',
      '{"owner_id":"u-1"}',
    ])
    await connection.query(insert, [
      keys[1].keyId,
      keys[1].hash,
      'off',
      '[]',
      0,
      '2025-03-01 08:00:00',
      null,
      null,
      null,
    ])
  })

  afterAll(async () => {
    await connection.query(`DROP TABLE IF EXISTS ${table}`)
    await connection.end()
  })

  it('imports every row and the old keys verify', async () => {
    const store = memoryStore()
    const report = await importLitestarKeys({
      url: MYSQL_URL.replace(/^mysql:/, 'mysql+aiomysql:'),
      table,
      store,
    })
    expect(report).toEqual({ total: 2, imported: 2, skipped: 0, failed: [] })
    const warden = createKeywarden({ store, prefix: 'kw', acceptLegacy: true, lastUsed: false })
    expect(await warden.keys.verify(keys[0].raw, { scopes: ['users:read'] })).toMatchObject({ valid: true })
    expect(await warden.keys.verify(keys[1].raw)).toMatchObject({ valid: false, code: 'REVOKED' })
    const first = await store.getKeyById(keys[0].keyId)
    expect(first?.createdAt.toISOString()).toBe('2025-03-01T08:00:00.000Z')
    expect(first?.lastUsedAt?.toISOString()).toBe('2026-01-01T10:00:00.000Z')
    expect(first?.ownerId).toBe('u-1')
  })
})
