import { readFileSync } from 'node:fs'
import { ConfigError } from 'keywarden'
import { type ReadSettings, readSettings } from '../settings/index.js'

/** The CLI reads the same settings, by the same rules, as `keywarden serve` (settings/); flags win. */
export interface CliConfig extends ReadSettings {
  /** KEYWARDEN_SECRET, or the development secret file `serve` generated; null when neither exists. */
  secret: string | null
  secretSource: 'env' | 'file' | null
}

export interface CliFlags {
  databaseUrl?: string
  redisUrl?: string
  prefix?: string
  tablePrefix?: string
  /** Path of a file holding the keyring JSON (`vault rotate --keyring`). */
  keyring?: string
  acceptLegacy?: boolean
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
  const settings = readSettings(env, flags)
  const fileSecret = settings.secret === null ? readSecretFile(settings.secretFile) : null
  return {
    ...settings,
    secret: settings.secret ?? fileSecret,
    secretSource: settings.secret !== null ? 'env' : fileSecret !== null ? 'file' : null,
  }
}
