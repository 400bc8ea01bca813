import { Kysely } from 'kysely'
import { ConfigError } from '../../errors.js'
import { detectDialect, dialectOfUrl } from './dialects/index.js'
import type { SqlDialect } from './dialects/types.js'
import { type ResolvedOptions, resolveOptions, type SqlConnection, type SqlStoreOptions } from './options.js'

/** What sqlStore was given, checked: a URL to open, or an app's Kysely to share. */
export type Source = { url: string; poolSize: number } | { db: Kysely<any> }

export interface Resolved {
  source: Source
  dialect: SqlDialect
  options: ResolvedOptions
}

/** Checks sqlStore's arguments (ConfigError naming what to fix); touches no network. */
export function resolveConnection(
  connection: SqlConnection & SqlStoreOptions,
  options: SqlStoreOptions,
): Resolved {
  if (typeof connection !== 'object' || connection === null) {
    throw new ConfigError(
      'sqlStore needs { url } (sqlite:, postgres://, mysql://) or { db } (your Kysely instance)',
    )
  }
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('sqlStore: options must be an object')
  const opts = resolveOptions({ ...connection, ...options } as Record<string, unknown>, true)
  const hasUrl = 'url' in connection && connection.url !== undefined
  const hasDb = 'db' in connection && connection.db !== undefined
  if (hasUrl === hasDb) {
    throw new ConfigError('sqlStore needs exactly one of { url } or { db }')
  }
  let source: Source
  let dialect: SqlDialect
  if (hasUrl) {
    const { url, poolSize = 10 } = connection as { url: unknown; poolSize?: unknown }
    if (typeof url !== 'string')
      throw new ConfigError('sqlStore: url must be a string such as "sqlite:keys.db"')
    dialect = dialectOfUrl(url)
    if (!Number.isSafeInteger(poolSize) || (poolSize as number) < 1) {
      throw new ConfigError('sqlStore: poolSize must be a positive integer')
    }
    source = { url, poolSize: poolSize as number }
  } else {
    const { db, dialect: named } = connection as { db: unknown; dialect?: unknown }
    if (!(db instanceof Kysely)) throw new ConfigError('sqlStore: db must be a Kysely instance')
    dialect = detectDialect(db, named)
    source = { db }
  }
  if (opts.schema && !dialect.schemas) {
    throw new ConfigError('sqlStore: the schema option applies to postgres only; use tablePrefix instead')
  }
  return { source, dialect, options: opts }
}
