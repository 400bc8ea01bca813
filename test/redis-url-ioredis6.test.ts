// `npm install keywarden ioredis` installs ioredis 6: then the `import('ioredis')` of a { url }
// store and of a { redis: url } invalidation bus loads ioredis 6. This file makes that import resolve
// to the real ioredis 6 (installed here as the alias ioredis6) and runs the URL paths on it.
import { afterAll, expect, it, vi } from 'vitest'
import { cachedStore } from '../packages/keywarden/src/stores/cached.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import {
  describeKeyStore,
  describeSecretStore,
  makeStoredKey,
} from '../packages/keywarden/src/testing/index.js'
import { deleteNamespace } from './support/redis-servers.js'
import { REDIS_URL, redisMajor, serviceSkip, uniqueName } from './support/services.js'

vi.mock('ioredis', async () => await import('ioredis6'))

const skip = await serviceSkip('redis')
const namespaces: string[] = []
const fresh = () => {
  const namespace = uniqueName('kwurl6')
  namespaces.push(namespace)
  return namespace
}
afterAll(async () => {
  const client = redisMajor('ioredis 6').client()
  for (const namespace of namespaces) await deleteNamespace(client, namespace)
  await client.quit()
})

it.skipIf(skip)("resolves 'ioredis' to ioredis 6 in this file", async () => {
  const loaded = (await import('ioredis')) as unknown as { default: unknown }
  expect(loaded.default).toBe((await import('ioredis6')).Redis)
})

describeKeyStore(
  'redis (url, ioredis 6 installed)',
  () => redisStore({ url: REDIS_URL, namespace: fresh() }),
  {
    skip,
  },
)
describeSecretStore(
  'redis (url, ioredis 6 installed)',
  () => redisStore({ url: REDIS_URL, namespace: fresh() }),
  { skip },
)

it.skipIf(skip)(
  'a cachedStore over { url } tier and bus on ioredis 6 drops a revoked key everywhere',
  async () => {
    const namespace = fresh()
    const primary = memoryStore()
    const open = () =>
      cachedStore({
        primary,
        cache: redisStore({ url: REDIS_URL, namespace }),
        invalidation: { redis: REDIS_URL, channel: `${namespace}:invalidate` },
        ttlMs: 3_600_000,
      })
    const [a, b] = [open(), open()]
    await Promise.all([a.ready(), b.ready()])
    try {
      const key = makeStoredKey()
      await a.createKey(key)
      expect((await b.getKeyByHash(key.hash))?.revokedAt).toBeNull()
      await a.updateKey(key.id, { revokedAt: new Date(), updatedAt: new Date() })
      let seen = await b.getKeyByHash(key.hash)
      for (let i = 0; i < 200 && !seen?.revokedAt; i++) {
        await new Promise((r) => setTimeout(r, 5))
        seen = await b.getKeyByHash(key.hash)
      }
      expect(seen?.revokedAt).toBeInstanceOf(Date)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  },
)
