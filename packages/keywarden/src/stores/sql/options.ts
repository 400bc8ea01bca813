import type { Kysely } from 'kysely'
import { ConfigError } from '../../errors.js'

export type SqlDialectName = 'sqlite' | 'postgres' | 'mysql'

/** Connect from a URL: `sqlite:<path>`, `sqlite::memory:`, `postgres://…`, `mysql://…`, `mariadb://…`. */
export interface SqlUrlConnection {
  url: string
  /** Connections in the pool (postgres, mysql). Default 10. */
  poolSize?: number
}

/** Use the app's own Kysely instance (its pool is shared; the store never destroys it). */
export interface SqlDbConnection {
  db: Kysely<any>
  /** Needed only when the dialect cannot be told from the instance's adapter. */
  dialect?: SqlDialectName
}

export type SqlConnection = SqlUrlConnection | SqlDbConnection

export interface SqlStoreOptions {
  /** Prefix of every table and index name: lowercase letters, digits, `_`. Default `keywarden_`. */
  tablePrefix?: string
  /** PostgreSQL schema for the tables; created when missing. Default: the connection's search_path. */
  schema?: string
  /**
   * 'auto' (default) runs pending migrations under the engine's lock at first use; 'manual' leaves
   * them to `migrateToLatest(store)` (or your own tool fed by `printSchema`).
   */
  migrate?: 'auto' | 'manual'
}

export interface ResolvedOptions {
  tablePrefix: string
  schema: string | undefined
  migrate: 'auto' | 'manual'
}

const PREFIX = /^(?:[a-z][a-z0-9_]{0,31})?$/
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/
const CONNECTION_FIELDS = ['url', 'poolSize', 'db', 'dialect']
const OPTION_FIELDS = ['tablePrefix', 'schema', 'migrate']

const TABLE_PREFIX_RULE =
  'must be up to 32 characters of a-z, 0-9 and _, starting with a letter (e.g. "keywarden_")'

/** Why `sqlStore` would refuse this tablePrefix, or null: for configuration loaders. */
export function tablePrefixProblem(tablePrefix: string): string | null {
  return PREFIX.test(tablePrefix) ? null : TABLE_PREFIX_RULE
}

export function resolveOptions(raw: Record<string, unknown>, allowConnection: boolean): ResolvedOptions {
  const allowed = allowConnection ? [...CONNECTION_FIELDS, ...OPTION_FIELDS] : OPTION_FIELDS
  for (const field of Object.keys(raw)) {
    if (!allowed.includes(field)) {
      throw new ConfigError(`sqlStore: unknown option "${field}"; allowed: ${allowed.join(', ')}`)
    }
  }
  const { tablePrefix = 'keywarden_', schema, migrate = 'auto' } = raw
  if (typeof tablePrefix !== 'string' || tablePrefixProblem(tablePrefix) !== null) {
    throw new ConfigError(`sqlStore: tablePrefix ${TABLE_PREFIX_RULE}`)
  }
  if (schema !== undefined && (typeof schema !== 'string' || !SCHEMA.test(schema))) {
    throw new ConfigError('sqlStore: schema must be a lowercase identifier of a-z, 0-9 and _ (e.g. "auth")')
  }
  if (migrate !== 'auto' && migrate !== 'manual') {
    throw new ConfigError('sqlStore: migrate must be "auto" or "manual"')
  }
  return { tablePrefix, schema: schema as string | undefined, migrate }
}
