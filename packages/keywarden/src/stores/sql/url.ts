import { ConfigError } from '../../errors.js'
import type { SqlDialectName } from './options.js'

const SCHEMES = 'sqlite:, postgres://, postgresql://, mysql:// or mariadb://'

function engineOf(url: string): SqlDialectName | null {
  if (url.startsWith('sqlite:')) return 'sqlite'
  if (/^postgres(?:ql)?:\/\//.test(url)) return 'postgres'
  if (/^(?:mysql|mariadb):\/\//.test(url)) return 'mysql'
  return null
}

function pathOf(url: string): string {
  const path = url.slice('sqlite:'.length)
  return path.startsWith('//') ? path.slice(2) : path
}

export function parseScheme(url: string): SqlDialectName {
  const engine = engineOf(url)
  if (engine === null)
    throw new ConfigError(`sqlStore: url must start with ${SCHEMES} (e.g. "sqlite:keys.db")`)
  return engine
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
  const engine = engineOf(url)
  if (engine === null) return `must start with ${SCHEMES} (e.g. sqlite:./keywarden.db)`
  if (engine === 'sqlite') {
    return pathOf(url) === '' ? 'needs a file path after sqlite:, e.g. sqlite:./keywarden.db' : null
  }
  try {
    new URL(url)
    return null
  } catch {
    return `is not a valid URL; expected ${engine}://user:password@host:port/database`
  }
}
