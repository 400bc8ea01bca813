// Reads the rows of a cjm-fasthtml-byok table from the database its SQLAlchemy URL names.
import { createRequire } from 'node:module'
import { ConfigError } from '../errors.js'
import { sqlitePath } from './sqlite-url.js'

export interface CjmRow {
  id: unknown
  user_id: unknown
  provider: unknown
  encrypted_value: unknown
  created_at: unknown
  expires_at: unknown
}

type Dialect = 'sqlite' | 'postgres' | 'mysql'

const require = createRequire(import.meta.url)

function load<T>(name: string, what: string): T {
  try {
    return require(name) as T
  } catch (cause) {
    throw new ConfigError(`importing from ${what} needs the ${name} package: npm install ${name}`, { cause })
  }
}

/** The dialect of a SQLAlchemy URL (`postgresql+psycopg2://` → postgres, `mysql+pymysql://` → mysql). */
export function dialectOf(url: string): Dialect {
  const scheme = /^([a-z0-9]+)(?:\+[a-z0-9_]+)?:/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'sqlite') return 'sqlite'
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres'
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql'
  throw new ConfigError(
    'url must be a sqlite:///path.db, postgresql://… or mysql://… URL (SQLAlchemy forms such as postgresql+psycopg2:// are accepted)',
  )
}

/** The URL a node driver understands: no `+driver` suffix in the scheme. */
function driverUrl(url: string, scheme: string): string {
  return url.replace(/^[a-z0-9]+(?:\+[a-z0-9_]+)?:/i, `${scheme}:`)
}

function select(table: string, quote: '"' | '`', castText: boolean): string {
  const text = (column: string) => (castText ? `CAST(${column} AS TEXT) AS ${column}` : column)
  return `SELECT id, user_id, provider, encrypted_value, ${text('created_at')}, ${text('expires_at')} FROM ${quote}${table}${quote} ORDER BY id`
}

const unreadable = (table: string, cause: unknown) =>
  new ConfigError(`cannot read table "${table}": is this a cjm-fasthtml-byok database?`, { cause })

async function readSqlite(url: string, table: string): Promise<CjmRow[]> {
  const Database = load<
    new (
      file: string,
      options: object,
    ) => { prepare(sql: string): { all(): unknown[] }; close(): void }
  >('better-sqlite3', 'sqlite')
  const path = sqlitePath(url)
  let db: InstanceType<typeof Database>
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (cause) {
    throw new ConfigError(`cannot open the sqlite database at ${path}; check the url`, { cause })
  }
  try {
    return db.prepare(select(table, '"', false)).all() as CjmRow[]
  } catch (cause) {
    throw unreadable(table, cause)
  } finally {
    db.close()
  }
}

async function readPostgres(url: string, table: string): Promise<CjmRow[]> {
  const pg = load<{ Client: new (options: object) => PgClient }>('pg', 'PostgreSQL')
  const client = new pg.Client({ connectionString: driverUrl(url, 'postgres') })
  try {
    await client.connect()
  } catch (cause) {
    throw new ConfigError(
      'cannot connect to the PostgreSQL database in url; check host, credentials and database',
      {
        cause,
      },
    )
  }
  try {
    // Timestamps as text: cjm's columns are naive, and the importer applies `timezone` itself.
    return (await client.query(select(table, '"', true))).rows as CjmRow[]
  } catch (cause) {
    throw unreadable(table, cause)
  } finally {
    await client.end()
  }
}

interface PgClient {
  connect(): Promise<void>
  query(sql: string): Promise<{ rows: unknown[] }>
  end(): Promise<void>
}

interface MysqlConnection {
  query(sql: string): Promise<[unknown[], unknown]>
  end(): Promise<void>
}

async function readMysql(url: string, table: string): Promise<CjmRow[]> {
  const mysql = load<{ createConnection(options: object): Promise<MysqlConnection> }>(
    'mysql2/promise',
    'MySQL',
  )
  let connection: MysqlConnection
  try {
    connection = await mysql.createConnection({ uri: driverUrl(url, 'mysql'), dateStrings: true })
  } catch (cause) {
    throw new ConfigError(
      'cannot connect to the MySQL database in url; check host, credentials and database',
      {
        cause,
      },
    )
  }
  try {
    const [rows] = await connection.query(select(table, '`', false))
    return rows as CjmRow[]
  } catch (cause) {
    throw unreadable(table, cause)
  } finally {
    await connection.end()
  }
}

/** Every row of the table, ordered by id. Connection details never reach an error message. */
export function readCjmRows(url: string, table: string): Promise<CjmRow[]> {
  const dialect = dialectOf(url)
  if (dialect === 'sqlite') return readSqlite(url, table)
  if (dialect === 'postgres') return readPostgres(url, table)
  return readMysql(url, table)
}
