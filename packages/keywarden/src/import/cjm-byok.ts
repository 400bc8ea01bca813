// Reads a cjm-fasthtml-byok DatabaseStorage table and moves every key into a keywarden vault.

import { pbkdf2Sync } from 'node:crypto'
import { ConfigError, KeywardenError, ValidationError } from '../errors.js'
import type { Vault } from '../vault/types.js'
import { type CjmRow, dialectOf, readCjmRows } from './cjm-source.js'
import { type FernetKey, fernetDecrypt, fernetKey } from './fernet.js'
import { parseNaiveTimestamp } from './timestamps.js'

export interface ImportCjmByokOptions {
  /**
   * The cjm app's SQLAlchemy URL: `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`,
   * `sqlite:<path>`, `postgresql[+driver]://…` or `mysql[+driver]://…`.
   */
  url: string
  /** The secret_key the cjm-fasthtml-byok app was configured with. */
  appSecret: string
  /** Default `user_api_keys`. */
  table?: string
  vault: Vault
  /** Time zone of the table's naive created_at / expires_at. Default UTC. */
  timezone?: string
  now?: () => Date
}

export interface ImportCjmByokReport {
  imported: number
  skippedExpired: number
  failed: Array<{ id: string; reason: string }>
}

/** Exactly cjm-fasthtml-byok's derivation: PBKDF2-HMAC-SHA256, 100,000 rounds, its fixed salt, 32 bytes. */
export function cjmFernetKey(appSecret: string): FernetKey {
  return fernetKey(pbkdf2Sync(Buffer.from(appSecret, 'utf8'), 'cjm-fasthtml-byok-v1', 100_000, 32, 'sha256'))
}

function reasonOf(error: unknown): string {
  return error instanceof KeywardenError ? error.message : 'unexpected error'
}

/**
 * Imports every (user_id, provider) of a cjm-fasthtml-byok table into `vault`, keeping created_at and
 * expires_at. A token failing its HMAC (changed, or another app secret) is reported, never imported.
 */
export async function importCjmByok(options: ImportCjmByokOptions): Promise<ImportCjmByokReport> {
  if (!options || typeof options !== 'object')
    throw new ConfigError('importCjmByok needs { url, appSecret, vault }')
  const { url, appSecret, table = 'user_api_keys', vault, timezone = 'UTC', now = () => new Date() } = options
  if (typeof appSecret !== 'string' || appSecret.length === 0) {
    throw new ConfigError('appSecret must be the secret_key the cjm-fasthtml-byok app used')
  }
  if (!vault || typeof vault.for !== 'function') throw new ConfigError('vault must be a createVault() result')
  if (typeof url !== 'string')
    throw new ConfigError('url must be the database URL the cjm-fasthtml-byok app used')
  dialectOf(url)
  if (typeof table !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
    throw new ConfigError('table must be a plain SQL identifier such as user_api_keys')
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
  } catch (cause) {
    throw new ConfigError('timezone must be an IANA time zone such as UTC or Europe/Berlin', { cause })
  }

  const rows: CjmRow[] = await readCjmRows(url, table)

  const key = cjmFernetKey(appSecret)
  const at = now()
  const report: ImportCjmByokReport = { imported: 0, skippedExpired: 0, failed: [] }
  for (const row of rows) {
    const id = String(row.id)
    try {
      if (typeof row.user_id !== 'string' && typeof row.user_id !== 'number') {
        throw new ValidationError('user_id is empty')
      }
      if (typeof row.provider !== 'string') throw new ValidationError('provider is empty')
      const createdAt = parseNaiveTimestamp(row.created_at, timezone, 'created_at')
      const expiresAt =
        row.expires_at === null ? null : parseNaiveTimestamp(row.expires_at, timezone, 'expires_at')
      if (expiresAt && expiresAt.getTime() <= at.getTime()) {
        report.skippedExpired++
        continue
      }
      const hex = row.encrypted_value
      if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
        throw new ValidationError('encrypted_value is not hex-encoded')
      }
      const plaintext = fernetDecrypt(Buffer.from(hex, 'hex').toString('latin1'), key).toString('utf8')
      await vault.for({ userId: String(row.user_id) }).set(row.provider, plaintext, { createdAt, expiresAt })
      report.imported++
    } catch (error) {
      report.failed.push({ id, reason: reasonOf(error) })
    }
  }
  return report
}

export { sqlitePath } from './sqlite-url.js'
