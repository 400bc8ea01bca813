import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'

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
