import { Redis } from 'ioredis'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import type { RedisClientLike } from '../packages/keywarden/src/stores/redis/client.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, serviceSkip, uniqueName } from './support/services.js'

const skip = await serviceSkip('redis')
const RULE = { name: 'minute', limit: 100, windowMs: 60_000 }

/** The real client, noting the name of every command sent. */
function counting(client: Redis, sent: string[]): RedisClientLike {
  return {
    call(command, ...args) {
      sent.push(command)
      return client.call(command, ...args)
    },
    quit: async () => {},
  }
}

// A limited verification on redisStore: the record read and the spend in one script, and only
// for the record the engine checked (revoked, expired, scopes, limits): another process changing
// the key in between is noticed, and nothing is spent on a key that no longer passes.
describe.skipIf(skip)('redisStore consumeByHash: limits in one round trip', () => {
  const client = new Redis(REDIS_URL)
  const namespace = uniqueName('kwonetrip')
  const sent: string[] = []
  // `here` verifies; `there` is another process's store on the same keys (its own copies).
  const here = createKeywarden({
    store: redisStore({ client: counting(client, sent), namespace }),
    prefix: 'one',
    lastUsed: false,
  })
  const there = createKeywarden({ store: redisStore({ client, namespace }), prefix: 'one', lastUsed: false })
  const hashOf = async (id: string) => (await client.get(`${namespace}:id:{${id}}`)) as string
  beforeEach(() => {
    sent.length = 0
  })
  afterAll(async () => {
    await deleteNamespace(client, namespace)
    client.disconnect()
  })

  it('costs one command once the key has been read, like a key without limits', async () => {
    const limited = await there.keys.create({ name: 'limited', remaining: 100, rateLimits: [RULE] })
    const plain = await there.keys.create({ name: 'plain' })
    await here.keys.verify(limited.key)
    await here.keys.verify(plain.key)
    sent.length = 0
    expect(await here.keys.verify(limited.key)).toMatchObject({
      valid: true,
      remaining: 98,
      limits: [{ name: 'minute', remaining: 98 }],
    })
    expect(sent).toEqual(['EVALSHA'])
    sent.length = 0
    await here.keys.verify(plain.key)
    expect(sent).toEqual(['GET'])
    expect((await there.keys.get(limited.record.id))?.remaining).toBe(98)
  })

  it('a key revoked or expired by another process since this one read it spends nothing', async () => {
    const revoked = await there.keys.create({ name: 'revoked', remaining: 5 })
    const expired = await there.keys.create({ name: 'expired', remaining: 5, rateLimits: [RULE] })
    await here.keys.verify(revoked.key)
    await here.keys.verify(expired.key)
    await there.keys.revoke(revoked.record.id)
    await there.keys.update(expired.record.id, { expiresAt: new Date(Date.now() - 1000) })
    expect(await here.keys.verify(revoked.key)).toMatchObject({ valid: false, code: 'REVOKED' })
    expect(await here.keys.verify(expired.key)).toMatchObject({ valid: false, code: 'EXPIRED' })
    expect((await there.keys.get(revoked.record.id))?.remaining).toBe(4)
    expect((await there.keys.get(expired.record.id))?.remaining).toBe(4)
    // The count of the first verification only.
    const windows = await client.hvals(`${namespace}:win:{${await hashOf(expired.record.id)}}`)
    expect(windows).toEqual(['1'])
  })

  it('scopes changed by another process decide on the record as it is now', async () => {
    const { key, record } = await there.keys.create({ name: 'scoped', scopes: ['users:read'], remaining: 10 })
    expect(await here.keys.verify(key, { scopes: ['users:read'] })).toMatchObject({
      valid: true,
      remaining: 9,
    })
    await there.keys.update(record.id, { scopes: ['users:write'] })
    expect(await here.keys.verify(key, { scopes: ['users:read'] })).toMatchObject({
      code: 'INSUFFICIENT_SCOPES',
      missingScopes: ['users:read'],
    })
    expect((await there.keys.get(record.id))?.remaining).toBe(9)
    await there.keys.update(record.id, { scopes: ['users:read', 'users:write'] })
    expect(await here.keys.verify(key, { scopes: ['users:read'] })).toMatchObject({
      valid: true,
      remaining: 8,
    })
  })

  it('limits set or lifted by another process apply at once', async () => {
    const { key, record } = await there.keys.create({ name: 'later limited' })
    expect(await here.keys.verify(key)).toMatchObject({ valid: true, remaining: null })
    await there.keys.update(record.id, { remaining: 2 })
    expect(await here.keys.verify(key)).toMatchObject({ valid: true, remaining: 1 })
    expect(await here.keys.verify(key)).toMatchObject({ valid: true, remaining: 0 })
    expect(await here.keys.verify(key)).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED' })
    await there.keys.update(record.id, { remaining: null })
    expect(await here.keys.verify(key)).toMatchObject({ valid: true, remaining: null, limits: [] })
  })

  it('a rolled key spends from its group (a second call: the group may live on another slot)', async () => {
    const first = await there.keys.create({ name: 'first', remaining: 10, rateLimits: [RULE] })
    expect(await here.keys.verify(first.key)).toMatchObject({ valid: true, remaining: 9 })
    const rolled = await there.keys.roll(first.record.id, { expireOldInMs: 60_000 })
    await here.keys.verify(rolled.key)
    sent.length = 0
    expect(await here.keys.verify(rolled.key)).toMatchObject({
      valid: true,
      remaining: 7,
      key: { id: rolled.record.id, remaining: 8 },
    })
    expect(sent).toEqual(['EVALSHA', 'EVALSHA'])
    // The group's first key spends from the group too: once its copy is current (the roll changed
    // its expiry), in one call (same slot).
    expect(await here.keys.verify(first.key)).toMatchObject({ valid: true, remaining: 6 })
    sent.length = 0
    expect(await here.keys.verify(first.key)).toMatchObject({ valid: true, remaining: 5 })
    expect(sent).toEqual(['EVALSHA'])
    expect((await there.keys.get(rolled.record.id))?.remaining).toBe(5)
  })

  it('a key deleted meanwhile is NOT_FOUND', async () => {
    const { key, record } = await there.keys.create({ name: 'gone', remaining: 3 })
    await here.keys.verify(key)
    await there.keys.delete(record.id)
    expect(await here.keys.verify(key)).toMatchObject({ valid: false, code: 'NOT_FOUND' })
  })
})
