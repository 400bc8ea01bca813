import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  SECRET_STORE_METHODS,
  type SecretRecord,
  type SecretStore,
  type SessionLike,
} from '../stores/types.js'
import { createVault } from '../vault/index.js'
import type { DescribeStoreOptions } from './describe-key-store.js'
import { makeSecretRecord } from './fixtures.js'

export interface DescribeSecretStoreOptions extends Omit<DescribeStoreOptions, 'concurrency'> {
  /** For session-bound stores: the session each test binds with `withSession`. */
  session?: () => SessionLike | Promise<SessionLike>
  /** Session-bound stores hold one visitor's secrets only: skip the cross-scope scan test. */
  scans?: boolean
  /** Size-limited stores (a sealed cookie holds about 4 KB): most records one test puts at once. */
  maxRecords?: number
}

function expectSameSecret(actual: SecretRecord | null | undefined, expected: SecretRecord): void {
  expect(actual).toBeTruthy()
  const a = actual as SecretRecord
  expect(a.createdAt.getTime()).toBe(expected.createdAt.getTime())
  expect(a.updatedAt.getTime()).toBe(expected.updatedAt.getTime())
  expect(a.expiresAt?.getTime() ?? null).toBe(expected.expiresAt?.getTime() ?? null)
  const strip = ({ createdAt, updatedAt, expiresAt, ...rest }: SecretRecord) => rest
  expect(strip(a)).toEqual(strip(expected))
}

/** The contract every SecretStore must pass: `describeSecretStore('redis', () => redisStore({ url }))`. */
export function describeSecretStore(
  name: string,
  factory: () => SecretStore | Promise<SecretStore>,
  options: DescribeSecretStoreOptions = {},
): void {
  const { skip = false, cleanup, session, scans = true, maxRecords = 100 } = options
  const suite = skip ? describe.skip : describe
  if (skip) console.warn(`[keywarden] skipping SecretStore contract "${name}": ${skip}`)

  suite(`SecretStore contract: ${name}`, () => {
    let base: SecretStore
    beforeAll(async () => {
      base = await factory()
    })
    afterAll(async () => {
      await base?.close()
      await cleanup?.()
    })
    const open = async (): Promise<SecretStore> => {
      if (!session) return base
      if (!base.withSession) throw new Error('a session-bound store must implement withSession')
      return base.withSession(await session())
    }

    it('puts and gets a record with every field intact', async () => {
      const store = await open()
      const record = makeSecretRecord({ expiresAt: new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123)) })
      expect(await store.putSecret(record)).toBe(true)
      expectSameSecret(await store.getSecret(record.scope, record.provider), record)
      expect(await store.getSecret(record.scope, 'anthropic')).toBeNull()
      expect(await store.getSecret('user:nobody', record.provider)).toBeNull()
    })

    it('upserts by scope and provider', async () => {
      const store = await open()
      const first = makeSecretRecord()
      await store.putSecret(first)
      const second = {
        ...first,
        ciphertext: `${first.ciphertext}x`,
        updatedAt: new Date(first.updatedAt.getTime() + 5),
      }
      await store.putSecret(second)
      expectSameSecret(await store.getSecret(first.scope, first.provider), second)
      expect(await store.listSecrets(first.scope)).toHaveLength(1)
    })

    it('compare-and-set with ifCiphertext writes only over the expected ciphertext', async () => {
      const store = await open()
      const record = makeSecretRecord()
      await store.putSecret(record)
      const stale = { ...record, ciphertext: 'kw1.k2.new.value' }
      expect(await store.putSecret(stale, { ifCiphertext: 'kw1.k1.other.value' })).toBe(false)
      expectSameSecret(await store.getSecret(record.scope, record.provider), record)
      expect(await store.putSecret(stale, { ifCiphertext: record.ciphertext })).toBe(true)
      expect((await store.getSecret(record.scope, record.provider))?.ciphertext).toBe('kw1.k2.new.value')
      const absent = makeSecretRecord()
      expect(await store.putSecret(absent, { ifCiphertext: 'kw1.k1.x.y' })).toBe(false)
      expect(await store.getSecret(absent.scope, absent.provider)).toBeNull()
    })

    it('lists one scope sorted by provider, and deletes one or all of it', async () => {
      const store = await open()
      const scope = makeSecretRecord().scope
      const other = makeSecretRecord()
      await store.putSecret(other)
      for (const provider of ['openai', 'anthropic', 'mistral'])
        await store.putSecret(makeSecretRecord({ scope, provider }))
      expect((await store.listSecrets(scope)).map((r) => r.provider)).toEqual([
        'anthropic',
        'mistral',
        'openai',
      ])
      expect(await store.deleteSecret(scope, 'mistral')).toBe(true)
      expect(await store.deleteSecret(scope, 'mistral')).toBe(false)
      expect((await store.listSecrets(scope)).map((r) => r.provider)).toEqual(['anthropic', 'openai'])
      expect(await store.clearSecrets(scope)).toBe(2)
      expect(await store.listSecrets(scope)).toEqual([])
      if (scans) expect(await store.getSecret(other.scope, other.provider)).not.toBeNull()
    })

    it('deletes with expiredBefore only a record still expired at that instant', async () => {
      const store = await open()
      const at = new Date(Date.UTC(2030, 0, 1))
      const scope = makeSecretRecord().scope
      const expiring = (provider: string, expiresAt: Date | null) =>
        makeSecretRecord({ scope, provider, expiresAt })
      const records = [
        expiring('before', new Date(at.getTime() - 1)),
        expiring('exactly', at),
        expiring('after', new Date(at.getTime() + 1)),
        expiring('never', null),
      ]
      for (const record of records) await store.putSecret(record)
      const deleted = await Promise.all(
        [...records.map((r) => r.provider), 'absent'].map((p) =>
          store.deleteSecret(scope, p, { expiredBefore: at }),
        ),
      )
      expect(deleted).toEqual([true, true, false, false, false])
      expect((await store.listSecrets(scope)).map((r) => r.provider)).toEqual(['after', 'never'])
      await expect(
        store.deleteSecret(scope, 'after', { expiredBefore: new Date(Number.NaN) }),
      ).rejects.toThrow(/expiredBefore/)
      expect(await store.clearSecrets(scope)).toBe(2)
    })

    it('purgeExpired keeps a value set again between its scan and its delete', async () => {
      const store = await open()
      let clock = Date.now()
      // Renews the value right before the purge's delete of it reaches the store: after the scan saw it expired.
      let renew: (() => Promise<unknown>) | null = null
      const racing = Object.fromEntries(
        SECRET_STORE_METHODS.map((m) => [
          m,
          (...args: unknown[]) => (store[m] as (...a: unknown[]) => unknown).apply(store, args),
        ]),
      ) as unknown as SecretStore
      racing.deleteSecret = async (scope, provider, options) => {
        if (provider === 'openai' && renew) {
          const pending = renew
          renew = null
          await pending()
        }
        return store.deleteSecret(scope, provider, options)
      }
      const vault = createVault({ secret: randomBytes(32), store: racing, now: () => new Date(clock) })
      const mine = vault.for({ userId: `purge-${randomBytes(6).toString('hex')}` })
      await mine.set('openai', 'sk-old-0123456789abcdef0123456789', { ttlMs: 1000 })
      await mine.set('anthropic', 'sk-ant-old-0123456789abcdef01234', { ttlMs: 1000 })
      clock += 2000
      renew = () => mine.set('openai', 'sk-new-0123456789abcdef0123456789', { ttlMs: 3_600_000 })
      expect(await vault.purgeExpired()).toBeGreaterThanOrEqual(1)
      expect(renew).toBeNull()
      expect(await mine.get('openai')).toBe('sk-new-0123456789abcdef0123456789')
      expect(await mine.has('anthropic')).toBe(false)
      await mine.clear()
    })

    it('stores unicode provider labels and masked values exactly', async () => {
      const store = await open()
      const record = makeSecretRecord({
        provider: 'my-provider_2',
        masked: 'sk-é…🔑🔑',
        scope: `user:O'Brien "x" 🔑`,
      })
      await store.putSecret(record)
      expectSameSecret(await store.getSecret(record.scope, record.provider), record)
    })

    it.skipIf(!scans)('scans every record of every scope once, page by page', async () => {
      const store = await open()
      const mine = Array.from({ length: 25 }, (_, i) => makeSecretRecord({ provider: `p${i % 3}` }))
      for (const record of mine) await store.putSecret(record)
      const seen = new Map<string, SecretRecord>()
      let cursor: string | null = null
      let pages = 0
      do {
        const page = await store.scanSecrets({ limit: 7, cursor })
        expect(page.items.length).toBeLessThanOrEqual(7)
        for (const record of page.items) {
          const id = `${record.scope}|${record.provider}`
          expect(seen.has(id)).toBe(false)
          seen.set(id, record)
        }
        cursor = page.nextCursor
        pages++
      } while (cursor && pages < 10_000)
      for (const record of mine) expectSameSecret(seen.get(`${record.scope}|${record.provider}`), record)
    })

    it('keeps concurrent puts for many scopes', async () => {
      const store = await open()
      const records = Array.from({ length: Math.min(100, maxRecords) }, (_, i) =>
        makeSecretRecord({ provider: `p${i % 5}` }),
      )
      await Promise.all(records.map((r) => store.putSecret(r)))
      const reads = await Promise.all(records.map((r) => store.getSecret(r.scope, r.provider)))
      for (const [i, read] of reads.entries()) expectSameSecret(read, records[i] as SecretRecord)
    })
  })
}
