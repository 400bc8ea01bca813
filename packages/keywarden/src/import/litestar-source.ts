import { resolve } from 'node:path'
import { ConfigError, StoreError } from '../errors.js'
import { importPeer } from '../peer.js'
import { sqlitePath } from './sqlite-url.js'

/** One row of litestar-api-auth's `api_keys` table (SQLAlchemyBackend's APIKeyModel), as the driver returns it. */
export interface LitestarRow {
  id: number | string | bigint
  key_id: unknown
  key_hash: unknown
  name: unknown
  scopes: unknown
  is_active: unknown
  created_at: unknown
  expires_at: unknown
  last_used_at: unknown
  metadata_: unknown
}

/** Reads a litestar-api-auth table page by page, in primary-key order. */
export interface LitestarSource {
  count(): Promise<number>
  /** Rows with `id` greater than `afterId` (null: from the start), at most `limit`. */
  page(afterId: LitestarRow['id'] | null, limit: number): Promise<LitestarRow[]>
  close(): Promise<void>
}

const COLUMNS =
  'id, key_id, key_hash, name, scopes, is_active, created_at, expires_at, last_used_at, metadata_'
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(?:\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/

function quoteTable(table: string, quote: '"' | '`'): string {
  if (!TABLE_NAME.test(table)) {
    throw new ConfigError(
      'table must be a plain table name, optionally schema-qualified (e.g. api_keys or auth.api_keys)',
    )
  }
  return table
    .split('.')
    .map((part) => `${quote}${part}${quote}`)
    .join('.')
}

/** host:port/database of a URL, never its user or password. */
export function describeUrl(url: string): string {
  if (/^sqlite/.test(url)) return url
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return 'the database URL'
  }
}

function load<T>(name: string): Promise<T> {
  return importPeer(() => import(name) as Promise<T>, name.split('/')[0] as string, 'reading this database')
}

function wrapDriverError(url: string, cause: unknown): StoreError {
  // Driver messages can quote the URL, so only the code and the redacted address are shown.
  const code = (cause as { code?: unknown })?.code
  return new StoreError(
    `cannot read the litestar-api-auth table at ${describeUrl(url)}${typeof code === 'string' ? ` (${code})` : ''}; check the URL, the table name and that the server is running`,
    { cause },
  )
}

async function sqliteSource(url: string, table: string): Promise<LitestarSource> {
  const quoted = quoteTable(table, '"')
  const { default: Database } = await load<{ default: typeof import('better-sqlite3') }>('better-sqlite3')
  let db: import('better-sqlite3').Database
  try {
    db = new Database(resolve(sqlitePath(url)), { readonly: true, fileMustExist: true })
  } catch (cause) {
    throw new StoreError(`cannot open the sqlite database ${sqlitePath(url)}; check the path`, { cause })
  }
  const guard = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work())
    } catch (cause) {
      return Promise.reject(wrapDriverError(url, cause))
    }
  }
  return {
    count: () => guard(() => (db.prepare(`SELECT COUNT(*) AS n FROM ${quoted}`).get() as { n: number }).n),
    page: (afterId, limit) =>
      guard(
        () =>
          db
            .prepare(
              afterId === null
                ? `SELECT ${COLUMNS} FROM ${quoted} ORDER BY id LIMIT ?`
                : `SELECT ${COLUMNS} FROM ${quoted} WHERE id > ? ORDER BY id LIMIT ?`,
            )
            .all(...(afterId === null ? [limit] : [afterId, limit])) as LitestarRow[],
      ),
    async close() {
      db.close()
    },
  }
}

async function postgresSource(url: string, table: string): Promise<LitestarSource> {
  const quoted = quoteTable(table, '"')
  const pg = await load<{ default: typeof import('pg') }>('pg')
  const client = new pg.default.Client({
    connectionString: url.replace(/^postgres(?:ql)?\+[a-z0-9]+:/i, 'postgres:'),
  })
  try {
    await client.connect()
  } catch (cause) {
    throw wrapDriverError(url, cause)
  }
  const query = async <T>(text: string, values: unknown[]): Promise<T[]> => {
    try {
      return (await client.query(text, values)).rows as T[]
    } catch (cause) {
      throw wrapDriverError(url, cause)
    }
  }
  return {
    count: async () =>
      Number((await query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoted}`, []))[0]?.n ?? 0),
    page: (afterId, limit) =>
      afterId === null
        ? query<LitestarRow>(`SELECT ${COLUMNS} FROM ${quoted} ORDER BY id LIMIT $1`, [limit])
        : query<LitestarRow>(`SELECT ${COLUMNS} FROM ${quoted} WHERE id > $1 ORDER BY id LIMIT $2`, [
            String(afterId),
            limit,
          ]),
    close: () => client.end(),
  }
}

async function mysqlSource(url: string, table: string): Promise<LitestarSource> {
  const quoted = quoteTable(table, '`')
  const mysql = await load<typeof import('mysql2/promise')>('mysql2/promise')
  let connection: import('mysql2/promise').Connection
  try {
    // DATETIME columns hold UTC (SQLAlchemy's DateTimeUTC): read them as UTC, not local time.
    connection = await mysql.createConnection({
      uri: url.replace(/^mysql\+[a-z0-9]+:/i, 'mysql:'),
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
    })
  } catch (cause) {
    throw wrapDriverError(url, cause)
  }
  const query = async <T>(text: string, values: unknown[]): Promise<T[]> => {
    try {
      const [rows] = await connection.query(text, values)
      return rows as T[]
    } catch (cause) {
      throw wrapDriverError(url, cause)
    }
  }
  return {
    count: async () =>
      Number((await query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoted}`, []))[0]?.n ?? 0),
    page: (afterId, limit) =>
      afterId === null
        ? query<LitestarRow>(`SELECT ${COLUMNS} FROM ${quoted} ORDER BY id LIMIT ?`, [limit])
        : query<LitestarRow>(`SELECT ${COLUMNS} FROM ${quoted} WHERE id > ? ORDER BY id LIMIT ?`, [
            String(afterId),
            limit,
          ]),
    close: () => connection.end(),
  }
}

/** Opens the litestar-api-auth database named by `url` (sqlite:, postgres://, mysql://, SQLAlchemy `+driver` forms too). */
export async function openLitestarSource(url: string, table: string): Promise<LitestarSource> {
  if (typeof url !== 'string' || url.length === 0) {
    throw new ConfigError(
      'url must name the litestar-api-auth database: sqlite:./app.db, postgres://… or mysql://…',
    )
  }
  if (/^sqlite(?:\+[a-z0-9]+)?:/i.test(url)) return sqliteSource(url, table)
  if (/^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i.test(url)) return postgresSource(url, table)
  if (/^mysql(?:\+[a-z0-9]+)?:\/\//i.test(url)) return mysqlSource(url, table)
  throw new ConfigError(
    'url must start with sqlite:, postgres:// or mysql:// (SQLAlchemy +driver forms work too)',
  )
}
