import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from 'keywarden'
import type { Keyring } from 'keywarden/vault'

/** The CLI reads the same environment as `keywarden serve`; flags win over variables. */
export interface CliConfig {
  /** `sqlite:<path>`, `postgres://…` or `mysql://…`. */
  databaseUrl: string
  redisUrl: string | null
  prefix: string
  tablePrefix: string | null
  redisNamespace: string | null
  /** KEYWARDEN_SECRET, or the development secret file `serve` generated; null when neither exists. */
  secret: string | null
  secretSource: 'env' | 'file' | null
  secretFile: string
  /** KEYWARDEN_KEYRING (JSON) or --keyring <file>: versioned secrets for `vault rotate`. */
  keyring: Keyring | null
  acceptLegacy: boolean
  production: boolean
}

export interface CliFlags {
  databaseUrl?: string
  redisUrl?: string
  prefix?: string
  tablePrefix?: string
  keyring?: string
  acceptLegacy?: boolean
}

export const DEFAULT_DATABASE_URL = 'sqlite:./keywarden.db'
export const DEFAULT_SECRET_FILE = '.keywarden/secret'
const PREFIX = /^[a-z0-9]+(?:_[a-z0-9]+)*$/
const NAME = /^[a-z][a-z0-9_]{0,39}$/

function value(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text.trim()
}

function checkDatabaseUrl(url: string, source: string): string {
  if (/^sqlite:./.test(url)) return url
  if (/^(postgres|postgresql|mysql|mariadb):\/\/./.test(url)) {
    try {
      new URL(url)
    } catch (cause) {
      // Never echo the value: it may hold a password.
      throw new ConfigError(`${source} is not a valid URL; check its spelling`, { cause })
    }
    return url
  }
  throw new ConfigError(
    `${source} must start with sqlite:, postgres:// or mysql:// (e.g. sqlite:./keywarden.db)`,
  )
}

function parseKeyring(text: string, source: string): Keyring {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigError(`${source} must be JSON like {"current":"k2","keys":{"k1":"…","k2":"…"}}`)
  }
  const ring = parsed as Partial<Keyring>
  if (
    typeof ring !== 'object' ||
    ring === null ||
    typeof ring.current !== 'string' ||
    typeof ring.keys !== 'object' ||
    ring.keys === null ||
    !Object.values(ring.keys).every((k) => typeof k === 'string') ||
    !(ring.current in ring.keys)
  ) {
    throw new ConfigError(
      `${source} must be {"current":"<id>","keys":{"<id>":"<secret>",…}} with current naming one of the keys`,
    )
  }
  return ring as Keyring
}

function readSecretFile(file: string): string | null {
  try {
    const text = readFileSync(file, 'utf8').trim()
    return text.length > 0 ? text : null
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new ConfigError(`cannot read the secret file ${file}; check its permissions`, { cause: error })
  }
}

export function loadCliConfig(env: NodeJS.ProcessEnv, flags: CliFlags = {}): CliConfig {
  const databaseUrl = flags.databaseUrl
    ? checkDatabaseUrl(flags.databaseUrl, '--database-url')
    : checkDatabaseUrl(value(env.KEYWARDEN_DATABASE_URL) ?? DEFAULT_DATABASE_URL, 'KEYWARDEN_DATABASE_URL')

  const redisUrl = flags.redisUrl ?? value(env.KEYWARDEN_REDIS_URL) ?? null
  if (redisUrl !== null && !/^rediss?:\/\/./.test(redisUrl)) {
    throw new ConfigError(
      `${flags.redisUrl ? '--redis-url' : 'KEYWARDEN_REDIS_URL'} must start with redis:// or rediss://`,
    )
  }

  const prefix = flags.prefix ?? value(env.KEYWARDEN_PREFIX) ?? 'kw'
  if (prefix.length > 24 || !PREFIX.test(prefix)) {
    throw new ConfigError(
      `${flags.prefix ? '--prefix' : 'KEYWARDEN_PREFIX'} must be 1-24 lowercase letters or digits, inner _ allowed (e.g. acme_live)`,
    )
  }

  const tablePrefix = flags.tablePrefix ?? value(env.KEYWARDEN_TABLE_PREFIX) ?? null
  if (tablePrefix !== null && !NAME.test(tablePrefix)) {
    throw new ConfigError(
      `${flags.tablePrefix ? '--table-prefix' : 'KEYWARDEN_TABLE_PREFIX'} must be a lowercase letter, then lowercase letters, digits or _`,
    )
  }
  const redisNamespace = value(env.KEYWARDEN_REDIS_NAMESPACE) ?? null
  if (redisNamespace !== null && !NAME.test(redisNamespace)) {
    throw new ConfigError(
      'KEYWARDEN_REDIS_NAMESPACE must be a lowercase letter, then lowercase letters, digits or _',
    )
  }

  const secretFile = resolve(value(env.KEYWARDEN_SECRET_FILE) ?? DEFAULT_SECRET_FILE)
  const envSecret =
    env.KEYWARDEN_SECRET === undefined || env.KEYWARDEN_SECRET === '' ? null : env.KEYWARDEN_SECRET
  const fileSecret = envSecret === null ? readSecretFile(secretFile) : null

  let keyring: Keyring | null = null
  if (flags.keyring !== undefined) {
    let text: string
    try {
      text = readFileSync(flags.keyring, 'utf8')
    } catch (cause) {
      throw new ConfigError(`cannot read the keyring file ${flags.keyring}; check the path`, { cause })
    }
    keyring = parseKeyring(text, `the keyring file ${flags.keyring}`)
  } else if (value(env.KEYWARDEN_KEYRING) !== undefined) {
    keyring = parseKeyring(env.KEYWARDEN_KEYRING as string, 'KEYWARDEN_KEYRING')
  }

  return {
    databaseUrl,
    redisUrl,
    prefix,
    tablePrefix,
    redisNamespace,
    secret: envSecret ?? fileSecret,
    secretSource: envSecret !== null ? 'env' : fileSecret !== null ? 'file' : null,
    secretFile,
    keyring,
    acceptLegacy:
      flags.acceptLegacy === true ||
      ['1', 'true', 'yes'].includes((env.KEYWARDEN_ACCEPT_LEGACY ?? '').toLowerCase()),
    production: env.NODE_ENV === 'production',
  }
}
