import { type Dialect, DummyDriver, type InsertQueryBuilder, Kysely, sql } from 'kysely'
import { ConfigError } from '../../../errors.js'
import type { SqlDialect, Target } from './types.js'

/** Connection failures every engine reports the same way (the socket's codes). */
export const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]

/** A server engine's failure to connect: one of `codes`, or a message that says so. */
export function connectionFailure(codes: string[]): (code: string, detail: string) => boolean {
  const set = new Set(codes)
  return (code, detail) => set.has(code) || /connect|authentication/i.test(detail)
}

export function parseServerUrl(url: string, dialect: SqlDialect, defaultPort: number) {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    const engine = dialect.name
    throw new ConfigError(
      `sqlStore: the ${engine} url is not a valid URL; expected ${engine}://user:password@host:port/database`,
    )
  }
  const password = parsed.password
  const secrets = password ? [password, decodeURIComponent(password)] : []
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || defaultPort}`
  return { parsed, target: { dialect, where, secrets } satisfies Target }
}

/** READ COMMITTED: every read after a row lock sees what the previous holder committed. */
export function readCommitted<T>(q: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  return q.transaction().setIsolationLevel('read committed').execute(work)
}

/** INSERT … ON CONFLICT (…) DO UPDATE (sqlite, postgres). */
export function onConflict(
  insert: InsertQueryBuilder<any, any, any>,
  conflict: string[],
  set: Record<string, unknown>,
): InsertQueryBuilder<any, any, any> {
  return insert.onConflict((oc) => oc.columns(conflict).doUpdateSet(set))
}

export const excluded = (column: string) => sql`excluded.${sql.ref(column)}`

/** A Kysely that compiles for an engine and never connects. */
export function offlineKysely(parts: Omit<Dialect, 'createDriver'>): Kysely<any> {
  return new Kysely({
    dialect: {
      createAdapter: () => parts.createAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => parts.createIntrospector(db),
      createQueryCompiler: () => parts.createQueryCompiler(),
    },
  })
}
