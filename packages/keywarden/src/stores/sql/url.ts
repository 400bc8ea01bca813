import { ConfigError } from '../../errors.js'
import type { SqlDialectName } from './options.js'

// Loaded by the root package (databaseUrlProblem) without kysely: no dialect objects here, only
// the schemes and what each needs after it.

const SCHEMES = 'sqlite:, postgres://, postgresql://, mysql:// or mariadb://'

function pathOf(url: string): string {
  const path = url.slice('sqlite:'.length)
  return path.startsWith('//') ? path.slice(2) : path
}

function serverUrlProblem(url: string, engine: SqlDialectName): string | null {
  try {
    new URL(url)
    return null
  } catch {
    return `is not a valid URL; expected ${engine}://user:password@host:port/database`
  }
}

/** Each engine's URL form: how it starts, and why a URL of it would be refused. */
const ENGINES: Array<{ engine: SqlDialectName; scheme: RegExp; problem(url: string): string | null }> = [
  {
    engine: 'sqlite',
    scheme: /^sqlite:/,
    problem: (url) =>
      pathOf(url) === '' ? 'needs a file path after sqlite:, e.g. sqlite:./keywarden.db' : null,
  },
  {
    engine: 'postgres',
    scheme: /^postgres(?:ql)?:\/\//,
    problem: (url) => serverUrlProblem(url, 'postgres'),
  },
  { engine: 'mysql', scheme: /^(?:mysql|mariadb):\/\//, problem: (url) => serverUrlProblem(url, 'mysql') },
]

const engineOf = (url: string) => ENGINES.find((e) => e.scheme.test(url))

export function parseScheme(url: string): SqlDialectName {
  const found = engineOf(url)
  if (!found) throw new ConfigError(`sqlStore: url must start with ${SCHEMES} (e.g. "sqlite:keys.db")`)
  return found.engine
}

export function sqlitePath(url: string): string {
  const path = pathOf(url)
  if (path === '')
    throw new ConfigError('sqlStore: sqlite url needs a path: "sqlite:keys.db" or "sqlite::memory:"')
  return path
}

/**
 * Why `sqlStore({ url })` would refuse this URL, or null when it takes it: for configuration
 * loaders that check a setting before opening the store. Never quotes the URL (it may hold a password).
 */
export function databaseUrlProblem(url: string): string | null {
  const found = engineOf(url)
  return found ? found.problem(url) : `must start with ${SCHEMES} (e.g. sqlite:./keywarden.db)`
}
