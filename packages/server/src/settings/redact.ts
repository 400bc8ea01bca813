import { resolve } from 'node:path'
import { DEFAULT_REDIS_NAMESPACE, type Settings } from './table.js'

const SENSITIVE_PARAM = /pass|secret|token|key/i

/** A URL fit for a log line: the password and password-like query parameters replaced by ***. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${/^[a-z]+:/i.exec(url)?.[0] ?? ''}//(unparsable URL)`
  }
  if (parsed.password) parsed.password = '***'
  for (const name of [...parsed.searchParams.keys()]) {
    if (SENSITIVE_PARAM.test(name)) parsed.searchParams.set(name, '***')
  }
  // URLSearchParams encodes * as %2A; keep the mask readable.
  return parsed.toString().replaceAll('%2A%2A%2A', '***')
}

function describeDatabase(url: string): string {
  if (!url.startsWith('sqlite:')) return redactUrl(url)
  const path = url.slice('sqlite:'.length).replace(/^\/\//, '')
  return path === ':memory:' ? url : `${url} (${resolve(path)})`
}

/** The start-up line naming the database and Redis in use; never a password. */
export function describeStores(
  settings: Pick<Settings, 'databaseUrl' | 'redisUrl' | 'redisNamespace' | 'tablePrefix'>,
): string {
  const table = settings.tablePrefix ? `, table prefix ${settings.tablePrefix}` : ''
  const redis = settings.redisUrl
    ? `redis ${redactUrl(settings.redisUrl)} (namespace ${settings.redisNamespace ?? DEFAULT_REDIS_NAMESPACE})`
    : 'no Redis cache tier'
  return `database ${describeDatabase(settings.databaseUrl)}${table}; ${redis}`
}
