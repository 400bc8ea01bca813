import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { Cluster as Cluster5, Redis as Redis5, type RedisOptions } from 'ioredis'
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6'

/** The real servers tests run against; override with the env variables DESIGN.md names. */
export const POSTGRES_URL =
  process.env.KEYWARDEN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const MYSQL_URL = process.env.KEYWARDEN_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
export const REDIS_URL = process.env.KEYWARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const HOW_TO_START: Record<Service, string> = {
  postgres: 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  mysql: 'start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  redis:
    'start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis',
}

export type Service = 'postgres' | 'mysql' | 'redis'

const URLS: Record<Service, string> = { postgres: POSTGRES_URL, mysql: MYSQL_URL, redis: REDIS_URL }
const DEFAULT_PORTS: Record<Service, number> = { postgres: 5432, mysql: 3306, redis: 6379 }

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * `false` when the service answers; otherwise the reason to skip. With CI=true an unreachable
 * service throws instead, so the suite fails rather than passing without having run.
 */
export async function serviceSkip(service: Service): Promise<string | false> {
  const url = new URL(URLS[service])
  const port = Number(url.port || DEFAULT_PORTS[service])
  if (await reachable(url.hostname, port)) return false
  const reason = `${service} at ${url.hostname}:${port} is not reachable; ${HOW_TO_START[service]}`
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`)
  return reason
}

/** A fresh lowercase name for a per-run table prefix, schema or namespace. */
export function uniqueName(label: string): string {
  return `${label}_${randomBytes(5).toString('hex')}`
}

export type TestRedis = Redis5 | Redis6
export type TestCluster = Cluster5 | Cluster6
/** The client options tests set; both majors take them alike. */
export type TestRedisOptions = Pick<
  RedisOptions,
  'lazyConnect' | 'maxRetriesPerRequest' | 'enableOfflineQueue' | 'connectTimeout' | 'retryStrategy'
>

/**
 * The ioredis majors keywarden supports (ioredis 6 is installed as the npm alias `ioredis6`);
 * the Redis suites run once per entry. ioredis 6 speaks RESP3 by default; its `replyMapping:
 * 'resp3'` also turns maps into objects and doubles into numbers, the shape a user's client may have.
 * A store given `{ url }` imports `ioredis` itself, which is ioredis 5 here.
 */
export interface RedisMajor {
  name: string
  client(url?: string, options?: TestRedisOptions): TestRedis
  cluster(nodes: Array<{ host: string; port: number }>): TestCluster
}

export const redisMajors: RedisMajor[] = [
  {
    name: 'ioredis 5',
    client: (url = REDIS_URL, options = {}) => new Redis5(url, options),
    cluster: (nodes) => new Cluster5(nodes),
  },
  {
    name: 'ioredis 6',
    client: (url = REDIS_URL, options = {}) => new Redis6(url, options),
    cluster: (nodes) => new Cluster6(nodes),
  },
  {
    name: 'ioredis 6 (replyMapping resp3)',
    client: (url = REDIS_URL, options = {}) =>
      new Redis6(url, { ...options, protocol: 3, replyMapping: 'resp3' }),
    cluster: (nodes) => new Cluster6(nodes, { redisOptions: { protocol: 3, replyMapping: 'resp3' } }),
  },
]

/** The entry of that name (child processes get the name on their command line). */
export function redisMajor(name: string): RedisMajor {
  const major = redisMajors.find((m) => m.name === name)
  if (!major)
    throw new Error(`no Redis client named ${name}; one of: ${redisMajors.map((m) => m.name).join(', ')}`)
  return major
}
