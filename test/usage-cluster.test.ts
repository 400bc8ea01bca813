import { afterAll, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { connectCluster, type RedisClusterNodes, startRedisCluster } from './support/redis-servers.js'
import { redisMajors, serviceSkip, type TestCluster, uniqueName } from './support/services.js'

// Usage counts on a 3-node Redis Cluster of our own: every usage key shares one hash tag, so the
// flush script, the read script and pruning run on one node.
const skip = await serviceSkip('redis')
let nodes: RedisClusterNodes | undefined
let client: TestCluster | undefined

afterAll(async () => {
  client?.disconnect()
  await nodes?.stop()
})

it.skipIf(skip)(
  'counts, sums and prunes usage on a Redis Cluster',
  async () => {
    nodes = await startRedisCluster(3)
    client = await connectCluster(redisMajors[0] as (typeof redisMajors)[number], nodes.ports)
    let t = Date.UTC(2031, 0, 1, 12)
    const store = redisStore({ client, namespace: uniqueName('kwusage') })
    const warden = createKeywarden({
      store,
      prefix: 'usg',
      now: () => new Date(t),
      usage: { retentionDays: 1 },
    })
    const keys = await Promise.all(
      Array.from({ length: 5 }, (_, i) => warden.keys.create({ name: `k${i}`, ownerId: 'o' })),
    )
    for (let round = 0; round < 20; round++) {
      await Promise.all(keys.map(({ key }) => warden.keys.verify(key)))
      await warden.keys.verify('garbage')
      t += 20_000
    }
    const range = { from: t - 3_600_000, to: t + 1, granularity: 'minute' as const }
    const all = await warden.usage.query(range)
    expect(all.buckets.reduce((n, b) => n + b.valid, 0)).toBe(100)
    const one = await warden.usage.query({ keyId: keys[0]?.record.id, ...range })
    expect(one.buckets.reduce((n, b) => n + b.valid, 0)).toBe(20)
    const keyless = await warden.usage.query({ keyless: true, ...range, granularity: 'day' })
    expect(keyless.buckets.reduce((n, b) => n + (b.invalid.MALFORMED ?? 0), 0)).toBe(20)
    t += 3 * 86_400_000
    await warden.keys.verify(keys[0]?.key)
    await warden.flush()
    expect(
      await store.pruneUsage('keys', { minute: t - 60_000, hour: t - 3_600_000, day: t - 86_400_000 }),
    ).toBeGreaterThan(0)
    expect((await warden.usage.query(range)).buckets.every((b) => b.valid === 0)).toBe(true)
    await warden.close()
  },
  120_000,
)
