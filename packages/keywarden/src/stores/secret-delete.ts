import { ValidationError } from '../errors.js'
import type { DeleteSecretOptions, SecretRecord } from './types.js'

/**
 * The instant `expiredBefore` names, in epoch ms, or undefined when the delete is unconditional.
 * Checked before any store call: a NaN bound would delete nothing (SQL) or everything (a bad Lua compare).
 */
export function expiryBound(options: DeleteSecretOptions | undefined): number | undefined {
  const bound = options?.expiredBefore
  if (bound === undefined) return undefined
  if (!(bound instanceof Date) || Number.isNaN(bound.getTime())) {
    throw new ValidationError('expiredBefore must be a valid Date', { field: 'expiredBefore' })
  }
  return bound.getTime()
}

/** Whether a conditional delete may remove `record`: always without a bound, else only while it is expired at it. */
export function deletable(record: Pick<SecretRecord, 'expiresAt'>, bound: number | undefined): boolean {
  return bound === undefined || (record.expiresAt !== null && record.expiresAt.getTime() <= bound)
}
