import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { cli } from './cli-harness.js'
import { REDIS_URL, serviceSkip, uniqueName } from './support/services.js'

const skip = await serviceSkip('redis')
const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-redis-'))
// Mixed case and a dot, as a server may use (`App.prod`): the CLI once refused such a namespace.
const namespace = `App.${uniqueName('kwcli')}`
const url = `sqlite:${join(cwd, 'redis.db')}`
const env = {
  KEYWARDEN_DATABASE_URL: url,
  KEYWARDEN_REDIS_URL: REDIS_URL,
  KEYWARDEN_REDIS_NAMESPACE: namespace,
}

afterAll(async () => {
  rmSync(cwd, { recursive: true, force: true })
  if (skip) return
  const client = new Redis(REDIS_URL)
  const keys = await client.keys(`${namespace}:*`)
  if (keys.length > 0) await client.del(...keys)
  await client.quit()
})

describe.skipIf(skip)('keywarden keys with KEYWARDEN_REDIS_URL', () => {
  it('a revoke from the CLI reaches a running instance’s warm caches at once (pub/sub invalidation)', async () => {
    const created = await cli(['keys', 'create', '--name', 'cached', '--json'], { cwd, env })
    expect(created.code).toBe(0)
    const { key, record } = created.json()

    // A "server": the same cache setup as `keywarden serve`, with a long TTL so only invalidation can help.
    const sql = sqlStore({ url })
    const redis = redisStore({ url: REDIS_URL, namespace })
    const store = cachedStore({
      primary: sql,
      cache: redis,
      ttlMs: 600_000,
      staleMs: 600_000,
      invalidation: { redis: REDIS_URL, channel: `${namespace}:invalidate` },
    })
    await store.ready()
    const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false })
    try {
      expect(await warden.keys.verify(key)).toMatchObject({ valid: true }) // now cached in both tiers
      const revoked = await cli(['keys', 'revoke', record.id, '--json'], { cwd, env })
      expect(revoked.code).toBe(0)
      let result = await warden.keys.verify(key)
      for (let i = 0; i < 50 && result.valid; i++) {
        await new Promise((r) => setTimeout(r, 20)) // waiting for a pub/sub message, not for expiry
        result = await warden.keys.verify(key)
      }
      expect(result).toMatchObject({ valid: false, code: 'REVOKED' })
    } finally {
      await warden.close()
      await Promise.allSettled([sql.close(), redis.close()])
    }
  })
})
