import { ConflictError, KeywardenError, StoreError } from '../../errors.js'
import type { Target } from './dialects/types.js'

interface EngineError {
  code?: string | number
  message?: string
  constraint?: string
}

const MISSING_TABLE = /no such table|relation .* does not exist|ER_NO_SUCH_TABLE|doesn't exist/i

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
  const engine = target.dialect.name
  if (target.dialect.isConnectionFailure(code, detail)) {
    return new StoreError(
      `sqlStore: cannot connect to ${engine} at ${target.where}: ${detail}; check the url, that the server runs and the credentials`,
      { cause: error },
    )
  }
  if (MISSING_TABLE.test(`${code} ${detail}`)) {
    return new StoreError(
      `sqlStore: keywarden's tables are missing on ${engine} at ${target.where} while trying to ${doing}; use migrate: 'auto' or run migrateToLatest(store) (${detail})`,
      { cause: error },
    )
  }
  return new StoreError(`sqlStore: ${engine} failed to ${doing}: ${detail}`, { cause: error })
}

export function keyConflict(error: unknown, id: string): ConflictError {
  return violatesHash(error)
    ? new ConflictError('a key with the same hash exists already', { cause: error })
    : new ConflictError(`a key with id "${id}" exists already`, { cause: error })
}
