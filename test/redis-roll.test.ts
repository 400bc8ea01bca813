import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { RedisClientLike } from '../packages/keywarden/src/stores/redis/client.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import type { StoredKey } from '../packages/keywarden/src/stores/types.js'
import { makeStoredKey } from '../packages/keywarden/src/testing/index.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, serviceSkip, uniqueName } from './support/services.js'

const skip = await serviceSkip('redis')
const T0 = Date.UTC(2031, 0, 1)
const RULE = { name: 'm', limit: 5, windowMs: 60_000 }

/** The real client, except that the first command `fails` matches is refused. */
function faulty(client: Redis, fails: (args: Array<string | number | Buffer>) => boolean): RedisClientLike {
  let armed = true
  return {
    call(command, ...args) {
      if (armed && fails([command, ...args])) {
        armed = false
        return Promise.reject(new Error('injected failure'))
      }
      return client.call(command, ...args)
    },
    quit: async () => {},
  }
}

describe.skipIf(skip)('redisStore rollKey', () => {
  const client = new Redis(REDIS_URL)
  const namespace = uniqueName('kwroll')
  const store = redisStore({ client, namespace })
  afterAll(async () => {
    await deleteNamespace(client, namespace)
    client.disconnect()
  })

  const successor = (old: StoredKey) =>
    makeStoredKey({
      remaining: old.remaining,
      rateLimits: old.rateLimits,
      limitId: old.id,
      limitCreatedAt: old.createdAt,
    })
  const patch = { expiresAt: new Date(T0 + 60_000), updatedAt: new Date(T0) }
  const consume = (s: typeof store, id: string) =>
    s.consumeKey(id, { cost: 1, now: T0, rateLimits: [RULE], refill: null })
  const isScriptOn = (key: string, keyCount?: number) => (args: Array<string | number | Buffer>) =>
    (args[0] === 'EVALSHA' || args[0] === 'EVAL') &&
    (keyCount === undefined || Number(args[2]) === keyCount) &&
    args.slice(3, 3 + Number(args[2])).includes(key)

  for (const [step, fails] of [
    [
      'joining the group (the second write)',
      (old: StoredKey) => isScriptOn(`${namespace}:grp:{${old.hash}}`),
    ],
    [
      'patching the old key (the third write)',
      (old: StoredKey) => isScriptOn(`${namespace}:key:{${old.hash}}`, 1),
    ],
  ] as const) {
    it(`a roll that fails ${step} leaves no new key and the old key as it was`, async () => {
      const old = makeStoredKey({ remaining: 3, rateLimits: [RULE] })
      await store.createKey(old)
      expect(await consume(store, old.id)).toMatchObject({ status: 'ok', remaining: 2 })
      const broken = redisStore({ client: faulty(client, fails(old)), namespace })
      const next = successor(old)
      await expect(broken.rollKey(next, old.id, patch)).rejects.toThrow(/injected failure/)
      expect(await store.getKeyById(next.id)).toBeNull()
      expect(await store.getKeyByHash(next.hash)).toBeNull()
      expect((await store.listKeys({ limit: 1000 })).items.map((k) => k.id)).not.toContain(next.id)
      const after = await store.getKeyById(old.id)
      expect(after).toMatchObject({ expiresAt: null, remaining: 2, limitId: null })
      expect(await consume(store, old.id)).toMatchObject({
        status: 'ok',
        remaining: 1,
        limits: [{ remaining: 3 }],
      })
      // And the key can still be rolled, keeping its balance.
      const rolled = await store.rollKey(successor(old), old.id, patch)
      expect(rolled?.created.remaining).toBe(1)
    })
  }

  it('a group lives as long as its longest-lived key, and goes with its last key', async () => {
    const first = makeStoredKey({ remaining: 9, expiresAt: new Date(Date.now() + 60_000) })
    await store.createKey(first)
    const next = { ...successor(first), expiresAt: new Date(Date.now() + 3_600_000) }
    await store.rollKey(next, first.id, { expiresAt: new Date(Date.now() + 1000), updatedAt: new Date() })
    const group = `${namespace}:grp:{${first.hash}}`
    expect(await client.pttl(group)).toBeGreaterThan(3_600_000)
    await store.updateKey(next.id, { expiresAt: null, updatedAt: new Date() })
    expect(await client.pttl(group)).toBe(-1)
    // The first key expires (Redis drops its record and pointer); the group stays for the other.
    await client.del(`${namespace}:key:{${first.hash}}`, `${namespace}:id:{${first.id}}`)
    expect((await store.getKeyById(next.id))?.remaining).toBe(9)
    expect(await store.deleteKey(next.id)).toBe(true)
    expect(await client.exists(group, `${namespace}:win:{${first.hash}}`)).toBe(0)
  })
})
