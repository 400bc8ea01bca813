import { afterAll, expect, it } from 'vitest'
import { redisStore } from '../packages/keywarden/src/stores/redis.js'
import {
  describeAuditStore,
  describeKeyStore,
  describeSecretStore,
} from '../packages/keywarden/src/testing/index.js'
import { connectCluster, type RedisClusterNodes, startRedisCluster } from './support/redis-servers.js'
import { redisMajors, serviceSkip, type TestCluster, uniqueName } from './support/services.js'
import { describeWebhookStore } from './webhooks-contract.js'

// A 3-node Redis Cluster on free loopback ports, started for this file and stopped after it.
// The cluster is our own, but a machine without the Redis tools skips like the other Redis suites.
const skip = await serviceSkip('redis')
let starting: Promise<RedisClusterNodes> | undefined
const cluster = () => {
  starting ??= startRedisCluster(3)
  return starting
}

/** One client per ioredis major, all on the same cluster. */
const clients = new Map<string, Promise<TestCluster>>()
for (const major of redisMajors) {
  const client = () => {
    if (!clients.has(major.name))
      clients.set(
        major.name,
        cluster().then(({ ports }) => connectCluster(major, ports)),
      )
    return clients.get(major.name) as Promise<TestCluster>
  }
  describeKeyStore(
    `redis cluster (3 nodes, ${major.name})`,
    async () => redisStore({ client: await client(), namespace: uniqueName('kwcluster') }),
    { skip },
  )
  describeSecretStore(
    `redis cluster (3 nodes, ${major.name})`,
    async () => redisStore({ client: await client(), namespace: uniqueName('kwcluster') }),
    { skip },
  )
  describeAuditStore(
    `redis cluster (3 nodes, ${major.name})`,
    async () => redisStore({ client: await client(), namespace: uniqueName('kwcluster') }),
    { skip },
  )
  // Every webhook key shares the hash tag {<ns>:webhooks}: each script runs on one slot.
  const hooks = uniqueName('kwcluster')
  describeWebhookStore(
    `redis cluster (3 nodes, ${major.name})`,
    async () => redisStore({ client: await client(), namespace: hooks }),
    { skip },
  )
}

afterAll(async () => {
  for (const client of clients.values()) (await client).disconnect()
  await (await starting)?.stop()
})

it.skipIf(skip)('spreads one namespace over every node of the cluster', async () => {
  // Runs after the contract suites have written their keys (vitest runs a file's tests in order).
  const { client } = await cluster()
  const counts = await Promise.all(client.nodes('master').map((node) => node.dbsize()))
  expect(counts).toHaveLength(3)
  for (const count of counts) expect(count).toBeGreaterThan(0)
})
