import { afterAll, expect, it } from 'vitest'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import { describeKeyStore, describeSecretStore } from '../packages/keywarden/src/testing/index.js'
import { type RedisClusterNodes, startRedisCluster } from './support/redis-servers.js'
import { serviceSkip, uniqueName } from './support/services.js'

// A 3-node Redis Cluster on free loopback ports, started for this file and stopped after it.
// The cluster is our own, but a machine without the Redis tools skips like the other Redis suites.
const skip = await serviceSkip('redis')
let starting: Promise<RedisClusterNodes> | undefined
const cluster = () => {
  starting ??= startRedisCluster(3)
  return starting
}

describeKeyStore(
  'redis cluster (3 nodes)',
  async () => redisStore({ client: (await cluster()).client, namespace: uniqueName('kwcluster') }),
  { skip },
)
describeSecretStore(
  'redis cluster (3 nodes)',
  async () => redisStore({ client: (await cluster()).client, namespace: uniqueName('kwcluster') }),
  { skip },
)

afterAll(async () => {
  await (await starting)?.stop()
})

it.skipIf(skip)('spreads one namespace over every node of the cluster', async () => {
  // Runs after the contract suites have written their keys (vitest runs a file's tests in order).
  const { client } = await cluster()
  const counts = await Promise.all(client.nodes('master').map((node) => node.dbsize()))
  expect(counts).toHaveLength(3)
  for (const count of counts) expect(count).toBeGreaterThan(0)
})
