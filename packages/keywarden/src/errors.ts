export type KeywardenErrorCode =
  | 'ERR_VALIDATION'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_STORE'
  | 'ERR_CONFIG'
  | 'ERR_DECRYPT'

export interface KeywardenErrorOptions {
  cause?: unknown
}

/** Base of every error keywarden throws. Messages never contain a secret. */
export class KeywardenError extends Error {
  readonly code: KeywardenErrorCode

  constructor(code: KeywardenErrorCode, message: string, options?: KeywardenErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}

/**
 * One line for a log about an error: its message, else its name, else what it stringifies to.
 * Errors such as Hono's HTTPException carry an empty message; a bare prefix helps nobody.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    if (error.message.trim() !== '') return error.message
    const status = (error as { status?: unknown }).status
    return typeof status === 'number' ? `${error.name} (status ${status})` : error.name || 'Error'
  }
  const text = String(error)
  return text.trim() === '' ? `a thrown ${typeof error} with no description` : text
}

/** Bad input to a public function. `field` names what to fix. */
export class ValidationError extends KeywardenError {
  readonly field: string | undefined
  constructor(message: string, options?: KeywardenErrorOptions & { field?: string }) {
    super('ERR_VALIDATION', message, options)
    this.field = options?.field
  }
}

export class NotFoundError extends KeywardenError {
  constructor(message: string, options?: KeywardenErrorOptions) {
    super('ERR_NOT_FOUND', message, options)
  }
}

export class ConflictError extends KeywardenError {
  constructor(message: string, options?: KeywardenErrorOptions) {
    super('ERR_CONFLICT', message, options)
  }
}

/** The backing store failed (unreachable, bad credentials, unexpected engine error). */
export class StoreError extends KeywardenError {
  constructor(message: string, options?: KeywardenErrorOptions) {
    super('ERR_STORE', message, options)
  }
}

/** Wrong configuration: a missing driver, a weak secret, an invalid option. */
export class ConfigError extends KeywardenError {
  constructor(message: string, options?: KeywardenErrorOptions) {
    super('ERR_CONFIG', message, options)
  }
}

/** A stored secret could not be decrypted: the secret or keyring does not match. Nothing is deleted. */
export class DecryptError extends KeywardenError {
  constructor(message: string, options?: KeywardenErrorOptions) {
    super('ERR_DECRYPT', message, options)
  }
}
