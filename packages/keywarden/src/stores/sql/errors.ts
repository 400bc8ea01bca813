import { ConflictError, KeywardenError, StoreError } from '../../errors.js'
import type { Target } from './connect.js'

interface EngineError {
  code?: string | number
  errno?: number
  message?: string
  constraint?: string
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  // postgres: bad password, no such role, no such database, too many connections, shutting down
  '28P01',
  '28000',
  '3D000',
  '53300',
  '57P01',
  '57P03',
  // mysql: access denied, unknown database
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CON_COUNT_ERROR',
])

const MISSING_TABLE = /no such table|relation .* does not exist|ER_NO_SUCH_TABLE|doesn't exist/i

export function isUniqueViolation(error: unknown): boolean {
  const e = error as EngineError
  return (
    e?.code === '23505' ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}

/** True when the violated unique index is the one on `hash` (so the message can say which). */
export function violatesHash(error: unknown): boolean {
  const e = error as EngineError
  return /hash/.test(`${e?.constraint ?? ''} ${e?.message ?? ''}`)
}

export function scrub(text: string, target: Target): string {
  let out = text
  for (const secret of target.secrets) if (secret) out = out.split(secret).join('***')
  return out
}

/**
 * Turns an engine error into a KeywardenError: unreachable server or bad credentials -> StoreError
 * naming engine and host (never the password); anything else -> StoreError saying what failed.
 */
export function toStoreError(error: unknown, target: Target, doing: string): KeywardenError {
  if (error instanceof KeywardenError) return error
  const e = (error ?? {}) as EngineError
  const code = String(e.code ?? '')
  const detail = scrub(String(e.message ?? error), target)
  if (CONNECTION_CODES.has(code) || (target.engine !== 'sqlite' && /connect|authentication/i.test(detail))) {
    return new StoreError(
      `sqlStore: cannot connect to ${target.engine} at ${target.where}: ${detail}; check the url, that the server runs and the credentials`,
      { cause: error },
    )
  }
  if (MISSING_TABLE.test(`${code} ${detail}`)) {
    return new StoreError(
      `sqlStore: keywarden's tables are missing on ${target.engine} at ${target.where} while trying to ${doing}; use migrate: 'auto' or run migrateToLatest(store) (${detail})`,
      { cause: error },
    )
  }
  return new StoreError(`sqlStore: ${target.engine} failed to ${doing}: ${detail}`, { cause: error })
}

export function keyConflict(error: unknown, id: string): ConflictError {
  return violatesHash(error)
    ? new ConflictError('a key with the same hash exists already', { cause: error })
    : new ConflictError(`a key with id "${id}" exists already`, { cause: error })
}
