import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { assertStrongSecret, ConfigError } from 'keywarden'
import type { ServerConfig } from './config.js'

export interface ResolvedSecret {
  secret: string
  /** Where it came from: the environment, an existing secret file, or a file generated now. */
  source: 'env' | 'file' | 'generated'
}

function readSecretFile(file: string): string | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new ConfigError(`cannot read the secret file ${file}; check its permissions`, { cause: error })
  }
  const secret = text.trim()
  assertStrongSecret(
    secret,
    `the secret in ${file}`,
    'Or delete the file to generate a new one (vault secrets encrypted with it become unreadable), or set KEYWARDEN_SECRET',
  )
  // Tighten permissions a user may have loosened by copying the file around.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
  return secret
}

/**
 * The app secret: KEYWARDEN_SECRET, else the development secret file, else a new random one
 * written to that file with mode 0600 (announced loudly on `warn`). Production never generates.
 */
export function resolveSecret(
  config: Pick<ServerConfig, 'secret' | 'secretFile' | 'production'>,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): ResolvedSecret {
  if (config.secret !== null) {
    assertStrongSecret(config.secret, 'KEYWARDEN_SECRET')
    return { secret: config.secret, source: 'env' }
  }
  if (config.production) {
    throw new ConfigError(
      'KEYWARDEN_SECRET is required with NODE_ENV=production; set it to 32+ random bytes (openssl rand -base64 32)',
    )
  }
  const existing = readSecretFile(config.secretFile)
  if (existing !== null) {
    warn(`keywarden: KEYWARDEN_SECRET is not set; using the development secret in ${config.secretFile}`)
    return { secret: existing, source: 'file' }
  }
  const secret = randomBytes(32).toString('base64url')
  mkdirSync(dirname(config.secretFile), { recursive: true, mode: 0o700 })
  try {
    // 'wx': never overwrite a secret another process wrote a moment ago.
    writeFileSync(config.secretFile, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = readSecretFile(config.secretFile)
      if (raced !== null) return { secret: raced, source: 'file' }
    }
    throw new ConfigError(`cannot write the secret file ${config.secretFile}; set KEYWARDEN_SECRET instead`, {
      cause: error,
    })
  }
  chmodSync(config.secretFile, 0o600)
  const bar = '!'.repeat(78)
  warn(
    [
      bar,
      '!! keywarden: KEYWARDEN_SECRET is not set.',
      `!! Generated a development secret in ${config.secretFile} (mode 0600).`,
      '!! Vault secrets and dashboard sessions depend on it: keep the file, and set',
      '!! KEYWARDEN_SECRET in production (NODE_ENV=production refuses to start without it).',
      bar,
    ].join('\n'),
  )
  return { secret, source: 'generated' }
}
