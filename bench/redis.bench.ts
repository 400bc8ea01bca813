import { hash, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { compare } from './harness.js'

// verify() on redisStore alone: the record is one string, so the lookup is one GET (codec.ts);
// held against one raw GET of a string of the same size on the same ioredis client. 1,000 keys, cycled.
const hashOf = (key: string) => hash('sha256', key, 'hex')
const url = process.env.KEYWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
await client.connect()
const namespace = `kwbench_${randomBytes(5).toString('hex')}`
try {
  const store = redisStore({ client, namespace })
  const warden = createKeywarden({ store, prefix: 'bench', lastUsed: false })
  const keys: string[] = []
  const raw: string[] = []
  for (let i = 0; i < 1000; i++) {
    const { key } = await warden.keys.create({ name: `k${i}`, scopes: ['users:read'] })
    keys.push(key)
    // The floor's value: as many bytes as the stored record, under a plain string key.
    const size = ((await client.get(`${namespace}:key:{${hashOf(key)}}`)) as string).length
    raw.push(`${namespace}:raw:${i}`)
    await client.set(`${namespace}:raw:${i}`, 'x'.repeat(size))
  }
  let i = 0
  let j = 0
  await compare({
    name: 'verify() on redisStore (one GET)',
    subject: () => warden.keys.verify(keys[i++ % 1000]),
    floorName: 'one raw GET, same client',
    floor: () => client.get(raw[j++ % 1000] as string),
    maxRatio: 1.2,
  })
  // Context: the store's lookup alone (GET + decode), without the engine around it.
  const hashes = keys.map(hashOf)
  await compare({
    name: 'redisStore.getKeyByHash alone (context)',
    subject: () => store.getKeyByHash(hashes[i++ % 1000] as string),
    floorName: 'one raw GET, same client',
    floor: () => client.get(raw[j++ % 1000] as string),
    maxRatio: Number.POSITIVE_INFINITY,
  })
} finally {
  let cursor = '0'
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000)
    cursor = next
    if (found.length > 0) await client.del(...found)
  } while (cursor !== '0')
  await client.quit()
}
