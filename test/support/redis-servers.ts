import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster } from 'ioredis'
import type { RedisMajor, TestCluster, TestRedis } from './services.js'

const run = promisify(execFile)

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A free loopback port whose cluster bus port (port + 10000) is free too. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    if ((await portFree(port)) && (await portFree(port + 10_000))) return port
  }
  throw new Error('no free loopback port found')
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'PING'])
      if (stdout.trim() === 'PONG') return
    } catch {}
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface RedisServer {
  port: number
  url: string
  /** SIGKILL: the server vanishes without a goodbye, like a crash. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>
}

/** Starts a throwaway redis-server on a free loopback port. */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'kw-redis-'))
  let child: ChildProcess | null = null
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    )
    await waitForPing(port)
  }
  const kill = async () => {
    const current = child
    child = null
    if (!current || current.exitCode !== null) return
    const exited = new Promise((r) => current.once('exit', r))
    current.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface RedisClusterNodes {
  ports: number[]
  /** A connected ioredis Cluster client. */
  client: Cluster
  stop(): Promise<void>
}

/** Starts `size` cluster-enabled nodes, joins them with redis-cli --cluster create, and connects. */
export async function startRedisCluster(size = 3): Promise<RedisClusterNodes> {
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < size; i++) {
      nodes.push(
        await startRedisServer([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
        ]),
      )
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    const deadline = Date.now() + 20_000
    for (const node of nodes) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(node.port), 'CLUSTER', 'INFO'])
        if (stdout.includes('cluster_state:ok')) break
        if (Date.now() > deadline) throw new Error('the test Redis Cluster did not become ready')
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  } catch (error) {
    for (const node of nodes) await node.stop()
    throw error
  }
  const client = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })))
  await clusterReady(client)
  return {
    ports: nodes.map((n) => n.port),
    client,
    async stop() {
      client.disconnect()
      for (const node of nodes) await node.stop()
    },
  }
}

function clusterReady(client: TestCluster): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve())
    client.once('error', reject)
  })
}

/** Another client of the running cluster, of the given ioredis major; the caller disconnects it. */
export async function connectCluster(major: RedisMajor, ports: number[]): Promise<TestCluster> {
  const client = major.cluster(ports.map((port) => ({ host: '127.0.0.1', port })))
  await clusterReady(client)
  return client
}

/** Deletes every key of a namespace (SCAN + DEL on each node); never FLUSHDB on a shared server. */
export async function deleteNamespace(client: TestRedis | TestCluster, namespace: string): Promise<number> {
  const nodes: TestRedis[] = client.isCluster
    ? (client as TestCluster).nodes('master')
    : [client as TestRedis]
  let deleted = 0
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000)
      cursor = next
      for (const key of keys) deleted += await node.del(key)
    } while (cursor !== '0')
  }
  return deleted
}
