import type { Kysely } from 'kysely'
import { ConfigError } from '../../../errors.js'
import type { Importer } from '../driver.js'
import type { SqlDialectName } from '../options.js'
import { parseScheme } from '../url.js'
import { mysql } from './mysql.js'
import { postgres } from './postgres.js'
import { sqlite } from './sqlite.js'
import type { Connected, SqlDialect } from './types.js'

export type { Connected, HotPath, KeyReads, SqlDialect, Target } from './types.js'

const DIALECTS: Record<SqlDialectName, SqlDialect> = { sqlite, postgres, mysql }

/** The dialect of that name, or undefined when it is none of sqlite, postgres, mysql. */
export function findDialect(name: unknown): SqlDialect | undefined {
  return Object.hasOwn(DIALECTS, name as string) ? DIALECTS[name as SqlDialectName] : undefined
}

export function dialectNamed(name: SqlDialectName): SqlDialect {
  return DIALECTS[name]
}

/** The dialect of a URL's scheme (a ConfigError for any other scheme). */
export function dialectOfUrl(url: string): SqlDialect {
  return DIALECTS[parseScheme(url)]
}

/** Opens the driver for a URL. Drivers are imported only for their scheme. */
export function connectUrl(url: string, poolSize: number, importer?: Importer): Promise<Connected> {
  return dialectOfUrl(url).open(url, poolSize, importer)
}

/** The dialect of an app's own Kysely, from its adapter (or the `dialect` the app names). */
export function detectDialect(db: Kysely<any>, named: unknown): SqlDialect {
  if (named !== undefined) {
    const dialect = findDialect(named)
    if (!dialect) throw new ConfigError('sqlStore: dialect must be "sqlite", "postgres" or "mysql"')
    return dialect
  }
  const adapter = db.getExecutor().adapter
  const dialect = Object.values(DIALECTS).find((d) => adapter instanceof d.adapter)
  if (dialect) return dialect
  throw new ConfigError(
    'sqlStore: cannot tell the SQL dialect of this Kysely instance; pass { db, dialect: "postgres" | "mysql" | "sqlite" }',
  )
}
