import { ValidationError } from '../errors.js'

export const MAX_METADATA_BYTES = 64 * 1024

/** NUL and lone surrogates are refused everywhere: PostgreSQL and MySQL cannot store them exactly. */
function assertStorableText(value: string, field: string): void {
  if (value.includes('\u0000') || !value.isWellFormed()) {
    throw new ValidationError(`${field} must not contain NUL characters or unpaired surrogates`, { field })
  }
}

export function validateText(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > maxLength) {
    throw new ValidationError(`${field} must be a string of 1 to ${maxLength} characters`, { field })
  }
  assertStorableText(value, field)
  return value
}

function assertStorableJson(value: unknown, field: string): void {
  if (typeof value === 'string') {
    assertStorableText(value, field)
    return
  }
  if (typeof value !== 'object' || value === null) return
  for (const [key, inner] of Object.entries(value)) {
    assertStorableText(key, field)
    assertStorableJson(inner, field)
  }
}

export function validateMetadata(metadata: unknown, field = 'metadata'): Record<string, unknown> {
  if (metadata === undefined || metadata === null) return {}
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ValidationError(`${field} must be a plain JSON object`, { field })
  }
  let json: string
  try {
    json = JSON.stringify(metadata)
  } catch (cause) {
    throw new ValidationError(`${field} must be JSON-serializable (no cycles or BigInt)`, { field, cause })
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw new ValidationError(`${field} must serialize to at most ${MAX_METADATA_BYTES} bytes of JSON`, {
      field,
    })
  }
  // Normalized to what JSON round-trips to, so every store returns the same value.
  const copy = JSON.parse(json) as Record<string, unknown>
  assertStorableJson(copy, field)
  return copy
}

/** A Date, ISO string or epoch milliseconds; null clears it. */
export function validateDate(value: unknown, field: string): Date | null {
  if (value === undefined || value === null) return null
  const date =
    value instanceof Date
      ? new Date(value.getTime())
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : null
  if (!date || Number.isNaN(date.getTime())) {
    throw new ValidationError(`${field} must be a Date, an ISO 8601 string or epoch milliseconds`, { field })
  }
  return date
}

export function validateNonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${field} must be a non-negative integer`, { field })
  }
  return value
}

export function assertObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`${field} must be an object`, { field })
  }
  return value as Record<string, unknown>
}

export function assertOnlyFields(
  value: Record<string, unknown>,
  allowed: readonly string[],
  field: string,
): void {
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw new ValidationError(
        `${field}.${name} is not a field you can set; allowed: ${allowed.join(', ')}`,
        {
          field: `${field}.${name}`,
        },
      )
    }
  }
}
