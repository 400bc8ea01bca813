import {
  assertStrongSecret,
  ConfigError,
  databaseUrlProblem,
  MIN_SECRET_BYTES,
  redisNamespaceProblem,
  tablePrefixProblem,
} from 'keywarden'
import type { Keyring, ProviderSettings } from 'keywarden/vault'

/** Each check gets the raw text and the name the user set it by (variable or flag), for the message. */
export type Check<T> = (raw: string, source: string) => T

const KEY_PREFIX = /^[a-z0-9]+(?:_[a-z0-9]+)*$/

/** A store's own rule (from the library), reported under the name the user set. */
function storeRule(problemOf: (value: string) => string | null): Check<string> {
  return (raw, source) => {
    const problem = problemOf(raw)
    if (problem !== null) throw new ConfigError(`${source} ${problem}`)
    return raw
  }
}

export const databaseUrl = storeRule(databaseUrlProblem)
export const tablePrefix = storeRule(tablePrefixProblem)
export const redisNamespace = storeRule(redisNamespaceProblem)

export const port: Check<number> = (raw, source) => {
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value > 65535) {
    throw new ConfigError(`${source} must be a port number from 0 to 65535 (0 picks a free port)`)
  }
  return value
}

export const host: Check<string> = (raw, source) => {
  if (/\s/.test(raw)) {
    throw new ConfigError(`${source} must be a host name or address to bind, e.g. 127.0.0.1 or 0.0.0.0`)
  }
  return raw
}

export const redisUrl: Check<string> = (raw, source) => {
  // The Redis store's own rule is the scheme; a value that does not parse would fail at connect.
  if (!/^rediss?:\/\//.test(raw)) throw new ConfigError(`${source} must start with redis:// or rediss://`)
  try {
    new URL(raw)
  } catch (cause) {
    // The URL may hold a password: name the setting, never echo the value.
    throw new ConfigError(`${source} is not a valid URL; use redis://host:6379`, { cause })
  }
  return raw
}

export const keyPrefix: Check<string> = (raw, source) => {
  if (raw.length > 24 || !KEY_PREFIX.test(raw)) {
    throw new ConfigError(
      `${source} must be 1-24 lowercase letters or digits, inner _ allowed (e.g. acme_live)`,
    )
  }
  return raw
}

/**
 * Length only, in the words of the library's secret-strength rule. The whole rule (no patterns) is
 * applied where the secret is used: the server at start (loadServerConfig), the vault, sessions;
 * `keywarden doctor` reports it, so the CLI must still load a patterned secret to diagnose it.
 */
export const secret: Check<string> = (raw, source) => {
  if (Buffer.byteLength(raw, 'utf8') < MIN_SECRET_BYTES) assertStrongSecret(raw, source)
  return raw
}

export const cacheTtlMs: Check<number> = (raw, source) => {
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > 86_400_000) {
    throw new ConfigError(`${source} must be a whole number of milliseconds from 1 to 86400000`)
  }
  return value
}

/** Comma-separated retry delays in milliseconds, e.g. `200,400,800`. */
export const retrySchedule: Check<number[]> = (raw, source) => {
  const parts = raw.split(',').map((part) => part.trim())
  if (parts.length === 0 || parts.length > 30 || parts.some((part) => !/^\d{1,9}$/.test(part))) {
    throw new ConfigError(
      `${source} must be comma-separated delays in milliseconds (at most 30), e.g. 5000,30000,120000,600000,3600000`,
    )
  }
  return parts.map(Number)
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const logLevel: Check<LogLevel> = (raw, source) => {
  const level = raw.toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`${source} must be one of ${LOG_LEVELS.join(', ')}`)
  }
  return level as LogLevel
}

export const flag: Check<boolean> = (raw) => ['1', 'true', 'yes'].includes(raw.toLowerCase())

/** Shape only; createVault checks the secrets themselves. The value holds secrets: never echoed. */
export const keyring: Check<Keyring> = (raw, source) => {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ConfigError(`${source} must be JSON like {"current":"k2","keys":{"k1":"…","k2":"…"}}`)
  }
  const ring = parsed as Partial<Keyring> | null
  if (
    typeof ring !== 'object' ||
    ring === null ||
    typeof ring.current !== 'string' ||
    typeof ring.keys !== 'object' ||
    ring.keys === null ||
    !Object.values(ring.keys).every((k) => typeof k === 'string') ||
    !Object.hasOwn(ring.keys, ring.current)
  ) {
    throw new ConfigError(
      `${source} must be {"current":"<id>","keys":{"<id>":"<secret>",…}} with current naming one of the keys`,
    )
  }
  return ring as Keyring
}

export const leakPolicy: Check<'revoke' | 'notify'> = (raw, source) => {
  const policy = raw.toLowerCase()
  if (policy !== 'revoke' && policy !== 'notify') throw new ConfigError(`${source} must be revoke or notify`)
  return policy
}

export const httpsUrl: Check<string> = (raw, source) => {
  let url: URL
  try {
    url = new URL(raw)
  } catch (cause) {
    throw new ConfigError(`${source} must be an http(s) URL`, { cause })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${source} must be an http(s) URL`)
  }
  return raw
}

export const scanIntervalMs: Check<number> = (raw, source) => {
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || (value !== 0 && value < 1000) || value > 86_400_000) {
    throw new ConfigError(`${source} must be 0 (off) or a whole number of milliseconds from 1000 to 86400000`)
  }
  return value
}

const PROVIDER_FIELDS = ['baseUrl', 'platformKey', 'fallback']

/**
 * KEYWARDEN_PROVIDERS: `{"openai":{"baseUrl":"…","platformKey":"…","fallback":["team","platform"]}}`.
 * Shape only; createVault checks the values. Holds platform keys: never echoed.
 */
export const providers: Check<Record<string, ProviderSettings>> = (raw, source) => {
  const example =
    '{"openai":{"baseUrl":"https://api.openai.com","platformKey":"sk-…","fallback":["team","platform"]}}'
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ConfigError(`${source} must be JSON like ${example}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${source} must be a JSON object of provider ids to settings, like ${example}`)
  }
  for (const [id, entry] of Object.entries(parsed)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(
        `${source}: "${id.slice(0, 64)}" must be an object with baseUrl, platformKey and/or fallback`,
      )
    }
    const extra = Object.keys(entry).find((name) => !PROVIDER_FIELDS.includes(name))
    if (extra !== undefined) {
      throw new ConfigError(
        `${source}: "${id.slice(0, 64)}.${extra.slice(0, 64)}" is not a setting; use ${PROVIDER_FIELDS.join(', ')}`,
      )
    }
  }
  return parsed as Record<string, ProviderSettings>
}
