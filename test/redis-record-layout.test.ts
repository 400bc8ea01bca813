import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CREDITS,
  decodeCredits,
  decodeRecord,
  GROUPED,
  JSON_AT,
  LAST_REFILL,
  LAST_USED,
} from '../packages/keywarden/src/stores/redis/codec.js'
import * as scripts from '../packages/keywarden/src/stores/redis/scripts.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import type { StoredKey } from '../packages/keywarden/src/stores/types.js'
import { makeStoredKey } from '../packages/keywarden/src/testing/index.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, serviceSkip, uniqueName } from './support/services.js'

// The Lua scripts edit records in place at the offsets of codec.ts: whatever a script wrote must
// decode with the codec to what the store was asked to do. A layout changed in codec.ts only is
// caught here when a script still assumes the old one.
const skip = await serviceSkip('redis')
const T0 = Date.UTC(2031, 0, 1)
const RULE = { name: 'm', limit: 100, windowMs: 60_000 }

describe.skipIf(skip)('Redis record layout: what the scripts write, the codec reads', () => {
  const client = new Redis(REDIS_URL)
  const namespace = uniqueName('kwlayout')
  const store = redisStore({ client, namespace })
  afterAll(async () => {
    await deleteNamespace(client, namespace)
    client.disconnect()
  })
  const raw = async (key: StoredKey) => {
    const value = await client.get(`${namespace}:key:{${key.hash}}`)
    if (value === null) throw new Error(`no record for ${key.id}`)
    return value
  }
  const groupCredits = async (tag: string) => {
    const text = await client.hget(`${namespace}:grp:{${tag}}`, 'c')
    if (text === null) throw new Error(`no group ${tag}`)
    expect(text).toHaveLength(CREDITS.width)
    return decodeCredits(text)
  }

  it('a spend and a refill rewrite the credit fields only', async () => {
    const key = makeStoredKey({ remaining: 10, refill: { amount: 50, interval: 'daily' }, name: 'spent' })
    await store.createKey(key)
    const spent = await store.consumeKey(key.id, {
      cost: 3,
      now: T0,
      rateLimits: [RULE],
      refill: { at: T0 - 1000, amount: 50 },
    })
    expect(spent).toMatchObject({ status: 'ok', remaining: 47 })
    const value = await raw(key)
    const { key: decoded, tag } = decodeRecord(value)
    expect(tag).toBeNull()
    expect(decoded).toMatchObject({ id: key.id, name: 'spent', remaining: 47, lastUsedAt: null })
    expect(decoded.lastRefillAt).toEqual(new Date(T0 - 1000))
    expect(value.slice(JSON_AT)).toMatch(/^\{"id":/)
  })

  it('a touch rewrites lastUsedAt only', async () => {
    const key = makeStoredKey({ remaining: 5, name: 'touched' })
    await store.createKey(key)
    await store.touchKeys([{ id: key.id, lastUsedAt: new Date(T0 + 7) }])
    const value = await raw(key)
    expect(Number(value.slice(LAST_USED.at, LAST_USED.at + LAST_USED.width))).toBe(T0 + 7)
    expect(decodeRecord(value).key).toMatchObject({
      name: 'touched',
      remaining: 5,
      lastUsedAt: new Date(T0 + 7),
    })
  })

  it('an update keeps the lastUsedAt a touch wrote and checks the id at the JSON offset', async () => {
    const key = makeStoredKey({ remaining: 5 })
    await store.createKey(key)
    await store.touchKeys([{ id: key.id, lastUsedAt: new Date(T0) }])
    await store.updateKey(key.id, { name: 'renamed', remaining: 9, updatedAt: new Date(T0) })
    expect(decodeRecord(await raw(key)).key).toMatchObject({
      name: 'renamed',
      remaining: 9,
      lastUsedAt: new Date(T0),
    })
    // A different id at the JSON offset: the script refuses it, nothing is deleted.
    expect(
      await scripts.deleteRecord.run(client, [`${namespace}:key:{${key.hash}}`, 'x'], ['{"id":"other",']),
    ).toBe(null)
    expect(await store.getKeyById(key.id)).toMatchObject({ name: 'renamed' })
  })

  it('a roll moves the balance into the group and marks the record GROUPED; spends and updates reach the group', async () => {
    const first = makeStoredKey({ remaining: 20, rateLimits: [RULE] })
    await store.createKey(first)
    await store.consumeKey(first.id, { cost: 2, now: T0, rateLimits: [RULE], refill: null })
    const next = makeStoredKey({
      remaining: 20,
      rateLimits: [RULE],
      limitId: first.id,
      limitCreatedAt: first.createdAt,
    })
    const rolled = await store.rollKey(next, first.id, { updatedAt: new Date(T0) })
    expect(rolled?.created.remaining).toBe(18)

    const value = await raw(first)
    expect(value.slice(CREDITS.at, CREDITS.at + CREDITS.width)).toBe(GROUPED)
    expect(decodeRecord(value)).toMatchObject({ tag: first.hash, key: { id: first.id, remaining: null } })
    expect(decodeRecord(await raw(next)).tag).toBe(first.hash)
    expect(await groupCredits(first.hash)).toEqual({ remaining: 18, lastRefillAt: null })

    await store.consumeKey(next.id, {
      cost: 5,
      now: T0,
      rateLimits: [RULE],
      refill: { at: T0 - 5, amount: 30 },
    })
    expect(await groupCredits(first.hash)).toEqual({ remaining: 25, lastRefillAt: new Date(T0 - 5) })

    await store.updateKey(next.id, { remaining: 4, updatedAt: new Date(T0) })
    expect(await groupCredits(first.hash)).toEqual({ remaining: 4, lastRefillAt: new Date(T0 - 5) })
    await store.updateKey(next.id, {
      lastRefillAt: new Date(T0 + LAST_REFILL.width),
      updatedAt: new Date(T0),
    })
    expect(await groupCredits(first.hash)).toEqual({
      remaining: 4,
      lastRefillAt: new Date(T0 + LAST_REFILL.width),
    })
    expect(await store.getKeyById(first.id)).toMatchObject({ remaining: 4 })
  })
})
