/** Create and update inputs: each field checked by its entry in the key schema, then the rules across fields. */
import { ConfigError, ValidationError } from '../errors.js'
import type { KeyPatch, StoredKey } from '../stores/types.js'
import {
  CREATE_FIELDS,
  type KeySettings,
  REQUIRED_FIELDS,
  type SettableField,
  settableField,
  UPDATE_FIELDS,
} from './schema.js'
import type { FieldContext } from './schema-kinds.js'
import { assertObject, assertOnlyFields } from './validate.js'

const LIMIT_FIELDS = ['remaining', 'refill', 'rateLimits'] as const

export interface InputRules extends FieldContext {
  /** Whether the store can enforce credits and rate limits (it implements consumeKey). */
  canLimit: boolean
}

/** Each field given (undefined counts as left out), checked and normalized by its schema entry. */
function parseFields(
  input: unknown,
  allowed: readonly SettableField[],
  where: 'input' | 'patch',
  context: FieldContext,
): Partial<KeySettings> {
  const body = assertObject(input, where)
  assertOnlyFields(body, allowed, where)
  const parsed: Record<string, unknown> = {}
  for (const name of allowed) {
    const value = body[name]
    if (value === undefined && !(where === 'input' && REQUIRED_FIELDS.includes(name))) continue
    parsed[name] = settableField(name).parse(value, name, context)
  }
  return parsed as Partial<KeySettings>
}

/** Credits and refill go together, and only on a store that can count them. */
function checkLimits(settings: Partial<KeySettings>, rules: InputRules, current?: StoredKey): void {
  const remaining = 'remaining' in settings ? settings.remaining : (current?.remaining ?? null)
  const refill = 'refill' in settings ? settings.refill : (current?.refill ?? null)
  if (refill && remaining === null) {
    throw new ValidationError('refill needs remaining: set the starting credits too', { field: 'refill' })
  }
  const limited = (remaining ?? null) !== null || (settings.rateLimits?.length ?? 0) > 0
  if (limited && !rules.canLimit) {
    throw new ConfigError('this store does not implement consumeKey, so keys on it cannot carry limits')
  }
}

export function parseCreateInput(input: unknown, rules: InputRules, now: Date): Partial<KeySettings> {
  const settings = parseFields(input, CREATE_FIELDS, 'input', rules)
  if (settings.expiresAt && settings.expiresAt.getTime() <= now.getTime()) {
    throw new ValidationError('expiresAt must be in the future', { field: 'expiresAt' })
  }
  checkLimits(settings, rules)
  return settings
}

/** Whether an update touches limit settings, so the current key must be read to check it. */
export function touchesLimits(patch: unknown): boolean {
  return typeof patch === 'object' && patch !== null && LIMIT_FIELDS.some((name) => name in patch)
}

export function parseUpdateInput(input: unknown, rules: InputRules, current?: StoredKey): KeyPatch {
  const settings = parseFields(input, UPDATE_FIELDS, 'patch', rules)
  const patch = settings as KeyPatch
  if (LIMIT_FIELDS.some((name) => name in settings)) {
    checkLimits(settings, rules, current)
    if ('remaining' in settings || 'refill' in settings) patch.lastRefillAt = null
  }
  return patch
}
