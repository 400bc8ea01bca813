/**
 * Freezes a record and everything in it (Dates excepted): in-process stores and tiers hand the same
 * record to every caller, and the engine reuses its verify result for a frozen record.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date) && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
