import { ConfigError } from '../errors.js'

/**
 * The file of a sqlite URL as both importers take it: keywarden's `sqlite:./file.db`, or SQLAlchemy's
 * `sqlite:///relative.db` and `sqlite:////absolute.db` (a `+driver` suffix such as `sqlite+aiosqlite`
 * is ignored, the query string too).
 */
export function sqlitePath(url: string): string {
  let rest = url.replace(/^sqlite(?:\+[a-z0-9_]+)?:/i, '')
  if (rest.startsWith('///')) rest = rest.slice(3)
  else if (rest.startsWith('//')) rest = rest.slice(2)
  const path = decodeURIComponent(rest.split('?')[0] as string)
  if (path === '' || path === ':memory:') {
    throw new ConfigError('a sqlite URL to import from must name a database file, e.g. sqlite:///app.db')
  }
  return path
}
