import { closeSync, openSync } from 'node:fs'
import {
  type Dialect,
  Kysely,
  MysqlAdapter,
  MysqlDialect,
  PostgresAdapter,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
} from 'kysely'
import { ConfigError } from '../../errors.js'
import { type Importer, loadDriver } from './driver.js'
import type { SqlDialectName } from './options.js'
import { SqliteMigrationLock } from './sqlite-lock.js'
import { parseScheme, sqlitePath } from './url.js'

export { parseScheme, sqlitePath }

/** What error messages may say about the server: never the password. */
export interface Target {
  engine: SqlDialectName
  /** host:port, or the sqlite file path. */
  where: string
  /** Strings to scrub from any message (the password, raw and URL-decoded). */
  secrets: string[]
}

export interface Connected {
  db: Kysely<any>
  dialect: SqlDialectName
  target: Target
  /** Set for `sqlite:` URLs: the better-sqlite3 Database, for prepared hot-path statements. */
  sqlite?: SqliteDatabase
  /** Set for `sqlite:` URLs: the cross-process migration lock. */
  sqliteLock?: SqliteMigrationLock
  /** Set for `postgres://` URLs: the pg Pool, for the hot-path reads. */
  pgPool?: PgPool
  /** True when the store created the Kysely instance and must destroy it on close. */
  owned: boolean
}

/** The part of pg's Pool the store uses directly. */
export interface PgPool {
  query(config: {
    name: string
    text: string
    values: unknown[]
    rowMode: 'array'
  }): Promise<{ rows: unknown[][] }>
}

/** The part of better-sqlite3's Database the store uses. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  pragma(source: string): unknown
  close(): unknown
  /** better-sqlite3's transaction wrapper; `.immediate` runs it inside BEGIN IMMEDIATE. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): { immediate(...args: A): R }
}
export interface SqliteStatement {
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): unknown
  raw(toggle?: boolean): SqliteStatement
}

const BUSY_TIMEOUT_MS = 10_000

function parseServerUrl(url: string, engine: SqlDialectName, defaultPort: number) {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError(
      `sqlStore: the ${engine} url is not a valid URL; expected ${engine}://user:password@host:port/database`,
    )
  }
  const password = parsed.password
  const secrets = password ? [password, decodeURIComponent(password)] : []
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || defaultPort}`
  return { parsed, target: { engine, where, secrets } satisfies Target }
}

/** SQLITE_BUSY from better-sqlite3 (its `code`), or as a message from a driver that keeps only that. */
export function isSqliteBusy(error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code === 'SQLITE_BUSY') return true
  return /SQLITE_BUSY|database is locked/i.test(String((error as Error | null)?.message ?? error))
}

/**
 * `journal_mode = WAL` answers SQLITE_BUSY at once, without waiting on busy_timeout, while another
 * connection holds a lock: two processes opening one new file together hit it. Retry until the
 * busy timeout has passed.
 */
async function switchToWal(sqlite: SqliteDatabase): Promise<void> {
  const giveUpAt = Date.now() + BUSY_TIMEOUT_MS
  for (let attempt = 1; ; attempt++) {
    try {
      sqlite.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= giveUpAt) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * attempt) + Math.random() * 10))
    }
  }
}

/**
 * Creates a new database file readable by its owner only, before SQLite would create it 0644:
 * SQLite gives the -wal and -shm files the mode of the database file. An existing file is left
 * as it is; any failure here is left for SQLite's own open to report.
 */
function createPrivateFile(path: string): void {
  if (path === ':memory:' || path.startsWith('file:')) return
  try {
    closeSync(openSync(path, 'wx', 0o600))
  } catch {}
}

/** Opens the driver for a URL. Drivers are imported only for their scheme. */
export async function connectUrl(url: string, poolSize: number, importer?: Importer): Promise<Connected> {
  const engine = parseScheme(url)
  if (engine === 'sqlite') {
    const path = sqlitePath(url)
    const Database = await loadDriver('better-sqlite3', 'sqlite:', importer)
    const target: Target = { engine, where: path, secrets: [] }
    let sqlite: SqliteDatabase
    createPrivateFile(path)
    try {
      sqlite = new Database(path) as SqliteDatabase
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
      if (path !== ':memory:') await switchToWal(sqlite)
    } catch (cause) {
      const reason = (cause as { code?: string })?.code ?? (cause as Error)?.message
      throw Object.assign(new Error(`cannot open sqlite database at ${path} (${reason})`), { cause })
    }
    const lock = new SqliteMigrationLock()
    const dialect = new LockingSqliteDialect({ database: sqlite as never }, lock)
    return { db: new Kysely({ dialect }), dialect: engine, target, sqlite, sqliteLock: lock, owned: true }
  }
  if (engine === 'postgres') {
    const { target } = parseServerUrl(url, engine, 5432)
    const pg = await loadDriver('pg', 'postgres://', importer)
    const pool = new pg.Pool({ connectionString: url, max: poolSize })
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {})
    return {
      db: new Kysely({ dialect: new PostgresDialect({ pool }) }),
      dialect: engine,
      target,
      owned: true,
    }
  }
  const { parsed, target } = parseServerUrl(url, engine, 3306)
  const mysql = await loadDriver('mysql2', 'mysql://', importer)
  const pool = mysql.createPool({
    host: parsed.hostname || 'localhost',
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    connectionLimit: poolSize,
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
  })
  return { db: new Kysely({ dialect: new MysqlDialect({ pool }) }), dialect: engine, target, owned: true }
}

/** The dialect of an app's own Kysely, from its adapter (or the `dialect` the app names). */
export function detectDialect(db: Kysely<any>, named: SqlDialectName | undefined): SqlDialectName {
  if (named !== undefined) {
    if (named !== 'sqlite' && named !== 'postgres' && named !== 'mysql') {
      throw new ConfigError('sqlStore: dialect must be "sqlite", "postgres" or "mysql"')
    }
    return named
  }
  const adapter = db.getExecutor().adapter
  if (adapter instanceof PostgresAdapter) return 'postgres'
  if (adapter instanceof MysqlAdapter) return 'mysql'
  if (adapter instanceof SqliteAdapter) return 'sqlite'
  throw new ConfigError(
    'sqlStore: cannot tell the SQL dialect of this Kysely instance; pass { db, dialect: "postgres" | "mysql" | "sqlite" }',
  )
}

/**
 * SQLite's Kysely adapter takes no migration lock (one connection per process). Two processes on
 * one file need one, so migrations run inside BEGIN IMMEDIATE, which waits on busy_timeout.
 */
class LockingSqliteDialect extends SqliteDialect implements Dialect {
  readonly #lock: SqliteMigrationLock
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0], lock: SqliteMigrationLock) {
    super(config)
    this.#lock = lock
  }
  override createAdapter() {
    return this.#lock.adapter()
  }
}
