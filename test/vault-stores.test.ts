// The vault end to end on every real store: the SecretStore contract is proven elsewhere (sql-contract,
// redis-store, session-contract); here the vault's own promises hold on each engine.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DecryptError } from '../packages/keywarden/src/errors.js'
import { hybridStore } from '../packages/keywarden/src/stores/hybrid.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { sessionStore } from '../packages/keywarden/src/stores/session/session-store.js'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import type { SecretRecord, SecretStore, SessionLike } from '../packages/keywarden/src/stores/types.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { freshPlace } from './sql-procs/engines.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, serviceSkip, uniqueName } from './support/services.js'

const OPENAI = (i: number) => `sk-proj-${String(i).padStart(6, '0')}AbCdEf0123456789AbCdEf`
const ANTHROPIC = 'sk-ant-api03-ZyXwVu9876543210ZyXwVu9876543210'

interface Engine {
  name: string
  skip: string | false
  open(): SecretStore
  cleanup(): Promise<void>
}

function sqlEngine(name: 'sqlite-file' | 'postgres' | 'mysql', skip: string | false): Engine {
  const place = freshPlace(name, 'kwvault')
  return {
    name,
    skip,
    open: () => sqlStore({ url: place.url }, place.options),
    cleanup: () => place.cleanup(),
  }
}

const redisNamespace = uniqueName('kwvault')
const engines: Engine[] = [
  { name: 'memory', skip: false, open: () => memoryStore(), cleanup: async () => {} },
  sqlEngine('sqlite-file', false),
  sqlEngine('postgres', await serviceSkip('postgres')),
  sqlEngine('mysql', await serviceSkip('mysql')),
  {
    name: 'redis',
    skip: await serviceSkip('redis'),
    open: () => redisStore({ url: REDIS_URL, namespace: redisNamespace }),
    async cleanup() {
      const client = new Redis(REDIS_URL)
      await deleteNamespace(client, redisNamespace)
      await client.quit()
    },
  },
]

function plainSession(): SessionLike {
  const data = new Map<string, unknown>()
  return { get: (k) => data.get(k), set: (k, v) => void data.set(k, v), delete: (k) => void data.delete(k) }
}

for (const engine of engines) {
  describe.skipIf(engine.skip)(`vault on ${engine.name}`, () => {
    let store: SecretStore
    const keys = { k1: randomBytes(32), k2: randomBytes(32) }
    beforeAll(() => {
      store = engine.open()
    })
    afterAll(async () => {
      await store?.close()
      await engine.cleanup()
    })

    it('stores only ciphertext, binds it to its user, and keeps a row it cannot decrypt', async () => {
      const vault = createVault({ keyring: { current: 'k1', keys: { k1: keys.k1 } }, store })
      await vault.for({ userId: 'alice' }).set('openai', OPENAI(1))
      const row = (await store.getSecret('user:alice', 'openai')) as SecretRecord
      expect(JSON.stringify(row)).not.toContain(OPENAI(1))
      expect(await vault.for({ userId: 'alice' }).get('openai')).toBe(OPENAI(1))
      await store.putSecret({ ...row, scope: 'user:mallory' })
      await expect(vault.for({ userId: 'mallory' }).get('openai')).rejects.toThrow(DecryptError)
      const wrong = createVault({ secret: randomBytes(32), store })
      await expect(wrong.for({ userId: 'alice' }).get('openai')).rejects.toThrow(/does not match/)
      expect(await store.getSecret('user:alice', 'openai')).toEqual(row)
      await store.deleteSecret('user:mallory', 'openai')
    })

    it('rotate with another secret under the same key id fails every row and changes none', async () => {
      const secretA = randomBytes(32).toString('base64')
      const secretB = randomBytes(32).toString('base64')
      const a = createVault({ keyring: { current: 'k1', keys: { k1: secretA } }, store, defaultTtlMs: null })
      const users = Array.from({ length: 20 }, (_, i) => `samekid${i}`)
      await Promise.all(users.map((u, i) => a.for({ userId: u }).set('openai', OPENAI(i))))
      const before = await Promise.all(users.map((u) => store.getSecret(`user:${u}`, 'openai')))

      try {
        const b = createVault({ keyring: { current: 'k1', keys: { k1: secretB } }, store })
        const result = await b.rotate({ pageSize: 7 })
        const mine = result.failed.filter((f) => f.scope.startsWith('user:samekid'))
        expect(mine.map((f) => f.scope).sort()).toEqual(users.map((u) => `user:${u}`).sort())
        for (const failure of mine) {
          expect(failure).toMatchObject({
            provider: 'openai',
            reason: expect.stringMatching(/does not match/),
          })
          expect(failure.reason).not.toContain(secretB)
        }
        // No value on this store decrypts under B, so none may count as current or be rewritten.
        expect(result).toMatchObject({ upToDate: 0, rotated: 0, conflicts: 0 })
        expect(result.failed).toHaveLength(result.scanned)

        const after = await Promise.all(users.map((u) => store.getSecret(`user:${u}`, 'openai')))
        expect(after).toEqual(before)
        const reads = await Promise.all(users.map((u) => a.for({ userId: u }).get('openai')))
        expect(reads).toEqual(users.map((_, i) => OPENAI(i)))
      } finally {
        await Promise.all(users.map((u) => store.deleteSecret(`user:${u}`, 'openai')))
      }
    })

    it('rotates under concurrent sets without losing either', async () => {
      const v1 = createVault({ keyring: { current: 'k1', keys: { k1: keys.k1 } }, store, defaultTtlMs: null })
      const v2 = createVault({ keyring: { current: 'k2', keys }, store, defaultTtlMs: null })
      const users = Array.from({ length: 300 }, (_, i) => `rot${i}`)
      await Promise.all(users.map((u, i) => v1.for({ userId: u }).set('openai', OPENAI(i))))
      // While rotate runs, every third user replaces their key through the new vault.
      const [result] = await Promise.all([
        v2.rotate({ pageSize: 50, concurrency: 8 }),
        Promise.all(
          users
            .filter((_, i) => i % 3 === 0)
            .map((u) => v2.for({ userId: u }).set('openai', OPENAI(999_999))),
        ),
      ])
      expect(result.failed).toEqual([])
      expect(result.rotated + result.conflicts + result.upToDate).toBe(result.scanned)
      const only2 = createVault({ keyring: { current: 'k2', keys: { k2: keys.k2 } }, store })
      const reads = await Promise.all(users.map((u) => only2.for({ userId: u }).get('openai')))
      for (const [i, read] of reads.entries()) expect(read).toBe(i % 3 === 0 ? OPENAI(999_999) : OPENAI(i))
    })

    it('expires at the boundary and purges only the expired', async () => {
      let t = Date.UTC(2030, 0, 1)
      const vault = createVault({ secret: keys.k1, store, now: () => new Date(t) })
      const me = vault.for({ userId: 'exp' })
      await me.set('openai', OPENAI(5), { ttlMs: 1000 })
      await me.set('anthropic', ANTHROPIC, { ttlMs: 2000 })
      t += 999
      expect(await me.get('openai')).toBe(OPENAI(5))
      t += 1
      expect(await me.get('openai')).toBeNull()
      expect(await vault.purgeExpired()).toBeGreaterThanOrEqual(1)
      expect(await store.getSecret('user:exp', 'openai')).toBeNull()
      expect(await me.get('anthropic')).toBe(ANTHROPIC)
    })

    it('backs a hybridStore: the session caches, this store persists', async () => {
      const vault = createVault({
        secret: keys.k1,
        store: hybridStore({ session: sessionStore(), persistent: store }),
      })
      const session = plainSession()
      await vault.for({ userId: 'hy', session }).set('anthropic', ANTHROPIC)
      expect(await vault.for({ userId: 'hy', session: plainSession() }).get('anthropic')).toBe(ANTHROPIC)
      expect((await store.getSecret('user:hy', 'anthropic'))?.provider).toBe('anthropic')
      await vault.for({ userId: 'hy', session }).delete('anthropic')
      expect(await store.getSecret('user:hy', 'anthropic')).toBeNull()
    })
  })
}
