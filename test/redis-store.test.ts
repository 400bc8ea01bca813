import { createRequire } from 'node:module'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, StoreError } from '../packages/keywarden/src/errors.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import {
  describeKeyStore,
  describeSecretStore,
  makeStoredKey,
} from '../packages/keywarden/src/testing/index.js'
import { deleteNamespace } from './support/redis-servers.js'
import {
  REDIS_URL,
  type RedisMajor,
  redisMajor,
  redisMajors,
  serviceSkip,
  uniqueName,
} from './support/services.js'

const skip = await serviceSkip('redis')

function namespaced(major: RedisMajor) {
  const namespace = uniqueName('kwtest')
  const client = major.client()
  return {
    namespace,
    client,
    cleanup: async () => {
      await deleteNamespace(client, namespace)
      await client.quit()
    },
  }
}

for (const major of redisMajors) {
  const keyRun = namespaced(major)
  describeKeyStore(
    `redis (client, ${major.name})`,
    () => redisStore({ client: keyRun.client, namespace: keyRun.namespace }),
    { skip, cleanup: keyRun.cleanup },
  )
  const secretRun = namespaced(major)
  describeSecretStore(
    `redis (client, ${major.name})`,
    () => redisStore({ client: secretRun.client, namespace: secretRun.namespace }),
    { skip, cleanup: secretRun.cleanup },
  )
}

// A store given { url } imports whichever ioredis the application installed: ioredis 5 here.
const dropNamespace = (namespace: string) => async () => {
  const client = redisMajor('ioredis 5').client()
  await deleteNamespace(client, namespace)
  await client.quit()
}
const urlKeys = uniqueName('kwtest')
describeKeyStore('redis (url)', () => redisStore({ url: REDIS_URL, namespace: urlKeys }), {
  skip,
  cleanup: dropNamespace(urlKeys),
})
const urlSecrets = uniqueName('kwtest')
describeSecretStore('redis (url)', () => redisStore({ url: REDIS_URL, namespace: urlSecrets }), {
  skip,
  cleanup: dropNamespace(urlSecrets),
})

it.skipIf(skip)('a { url } store runs on the ioredis the application installed (5 here)', async () => {
  const installed = createRequire(import.meta.url)('ioredis/package.json') as { version: string }
  expect(installed.version).toMatch(/^5\./)
  const namespace = uniqueName('kwtest')
  const store = redisStore({ url: REDIS_URL, namespace })
  try {
    const keys = [makeStoredKey(), makeStoredKey(), makeStoredKey()]
    for (const key of keys) await store.createKey(key)
    const listed = (await store.listKeys({ limit: 10 })).items.map((k) => k.id)
    expect(listed.sort()).toEqual(keys.map((k) => k.id).sort())
  } finally {
    await store.close()
    await dropNamespace(namespace)()
  }
})

describe.skipIf(skip).each(redisMajors)('redisStore specifics ($name)', (major) => {
  const run = namespaced(major)
  const now = new Date('2030-01-01T00:00:00.000Z')
  const store = redisStore({
    client: run.client,
    namespace: run.namespace,
    expiryMarginMs: 60_000,
    now: () => now,
  })
  afterAll(run.cleanup)

  it('validates its options with ConfigError', () => {
    expect(() => redisStore({} as never)).toThrow(ConfigError)
    expect(() => redisStore({ url: REDIS_URL, client: run.client })).toThrow(ConfigError)
    expect(() => redisStore({ url: REDIS_URL, namespace: 'a{b}' })).toThrow(ConfigError)
    expect(() => redisStore({ client: {} as never })).toThrow(/ioredis/)
  })

  it('gives a record with expiresAt a Redis TTL of expiresAt + margin, renewed by updates', async () => {
    const key = makeStoredKey({ expiresAt: new Date(now.getTime() + 10_000) })
    await store.createKey(key)
    const recordKey = `${run.namespace}:key:{${key.hash}}`
    const pointerKey = `${run.namespace}:id:{${key.id}}`
    for (const k of [recordKey, pointerKey]) {
      const ttl = await run.client.pttl(k)
      expect(ttl).toBeGreaterThan(60_000)
      expect(ttl).toBeLessThanOrEqual(70_000)
    }
    // A roll shortens the old key's life: the TTL follows.
    await store.updateKey(key.id, { expiresAt: new Date(now.getTime() + 1000), updatedAt: now })
    expect(await run.client.pttl(recordKey)).toBeLessThanOrEqual(61_000)
    expect(await run.client.pttl(pointerKey)).toBeLessThanOrEqual(61_000)
    await store.updateKey(key.id, { expiresAt: null, updatedAt: now })
    expect(await run.client.pttl(recordKey)).toBe(-1)
    expect(await run.client.pttl(pointerKey)).toBe(-1)
    // An update that does not touch expiresAt keeps the TTL.
    await store.updateKey(key.id, { expiresAt: new Date(now.getTime() + 5000), updatedAt: now })
    await store.updateKey(key.id, { name: 'x', updatedAt: now })
    expect(await run.client.pttl(recordKey)).toBeGreaterThan(60_000)
  })

  it('drops listing entries of records Redis expired', async () => {
    const ownerId = uniqueName('owner')
    const gone = makeStoredKey({ ownerId })
    const kept = makeStoredKey({ ownerId })
    await store.createKey(gone)
    await store.createKey(kept)
    // What Redis does at the TTL: both keys of the record vanish.
    await run.client.del(`${run.namespace}:key:{${gone.hash}}`, `${run.namespace}:id:{${gone.id}}`)
    const page = await store.listKeys({ ownerId, limit: 10 })
    expect(page.items.map((k) => k.id)).toEqual([kept.id])
    expect(await run.client.zscore(`${run.namespace}:owner:{${ownerId}}`, gone.id)).toBeNull()
  })

  it('loses no update when writers change different fields at once (compare-and-set)', async () => {
    const keys = Array.from({ length: 40 }, () => makeStoredKey({ name: 'old', scopes: ['old'] }))
    for (const key of keys) await store.createKey(key)
    const at = new Date(Date.UTC(2031, 0, 1))
    await Promise.all(
      keys.flatMap((key) => [
        store.updateKey(key.id, { name: `new-${key.id}`, updatedAt: now }),
        store.updateKey(key.id, { scopes: ['new'], updatedAt: now }),
        store.touchKeys([{ id: key.id, lastUsedAt: at }]),
      ]),
    )
    for (const key of keys) {
      const read = await store.getKeyByHash(key.hash)
      expect(read?.name).toBe(`new-${key.id}`)
      expect(read?.scopes).toEqual(['new'])
      expect(read?.lastUsedAt?.getTime()).toBe(at.getTime())
    }
  })

  it('moves a key between owner listings when ownerId changes', async () => {
    const a = uniqueName('owner')
    const b = uniqueName('owner')
    const key = makeStoredKey({ ownerId: a })
    await store.createKey(key)
    await store.updateKey(key.id, { ownerId: b, updatedAt: now })
    expect((await store.listKeys({ ownerId: a, limit: 5 })).items).toEqual([])
    expect((await store.listKeys({ ownerId: b, limit: 5 })).items.map((k) => k.id)).toEqual([key.id])
  })

  it('reports an unreachable server as StoreError without the password', async () => {
    const down = redisStore({ url: 'redis://:hunter2secret@127.0.0.1:1' })
    const error = await down.getKeyByHash('0'.repeat(64)).catch((e) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).not.toContain('hunter2secret')
    await down.close()
  })
})
