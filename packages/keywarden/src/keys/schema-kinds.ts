/**
 * The kinds of field a key record has. Each kind makes a field's JSON Schema and its input check
 * from the same bounds, so the documented and the enforced limits cannot drift apart.
 */
import type { RateLimitRule, Refill } from '../stores/types.js'
import {
  MAX_DAY_OF_MONTH,
  MAX_PERIOD_MS,
  MAX_RATE_LIMITS,
  MIN_REFILL_MS,
  MIN_WINDOW_MS,
  RULE_NAME_PATTERN,
  validateRateLimits,
  validateRefill,
} from './limits.js'
import { MAX_SCOPE_LENGTH, MAX_SCOPES, SCOPE_PATTERN, type ScopeChecker } from './scopes.js'
import {
  MAX_METADATA_BYTES,
  validateDate,
  validateMetadata,
  validateNonNegativeInt,
  validateText,
} from './validate.js'

/** The JSON Schema (2020-12, as OpenAPI 3.1 uses it) keywords keywarden's schemas use. */
export interface JsonSchema {
  type?: string | string[]
  description?: string
  examples?: unknown[]
  format?: string
  pattern?: string
  enum?: unknown[]
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean
  oneOf?: JsonSchema[]
}

/**
 * Who sets a field: keywarden only ('never'), create only ('create'), create and update
 * ('update'), or create and, for admins only, update ('admin': owners of a key cannot change it).
 */
export type Setter = 'never' | 'create' | 'update' | 'admin'

export interface FieldContext {
  /** The warden's scope rules (its `known` list); HTTP body checks use the format alone. */
  scopes: ScopeChecker
}

export interface KeyField<T = unknown, S extends Setter = Setter> {
  set: S
  /** create refuses an input without it. */
  required?: true
  /** A new key's value when it is not given (for 'never' fields: unless keywarden sets it). */
  empty: T
  /** How it is written to JSON: as it is, or a Date as an ISO 8601 string. */
  json: 'value' | 'date'
  /** JSON Schema of its JSON form, with its bounds, description and an example. */
  schema: JsonSchema
  /** What create and update accept where wider than the JSON form (null to clear, epoch ms). */
  input?: JsonSchema
  /** Checks an input value and returns what is stored; throws ValidationError naming `field`. */
  parse?: (value: unknown, field: string, context: FieldContext) => T
}

interface About<S extends Setter> {
  set: S
  description: string
  example: unknown
}

const described = (schema: JsonSchema, about: About<Setter>): JsonSchema => ({
  ...schema,
  description: about.description,
  examples: [about.example],
})

const orNull = (schema: JsonSchema): JsonSchema => ({
  ...schema,
  type: [schema.type as string, 'null'],
})

/** Set by keywarden, never by a caller: a string, a boolean or a date. */
export function fixed<T>(type: 'string' | 'boolean', empty: T, about: Omit<About<'never'>, 'set'>) {
  const field: KeyField<T, 'never'> = {
    set: 'never',
    empty,
    json: 'value',
    schema: described({ type }, { ...about, set: 'never' }),
  }
  return field
}

/** A date; one that is not nullable is set by keywarden when the key is made. */
export function timestamp<S extends Setter, N extends boolean>(about: About<S> & { nullable: N }) {
  type T = N extends true ? Date | null : Date
  const schema: JsonSchema = { type: about.nullable ? ['string', 'null'] : 'string', format: 'date-time' }
  const field: KeyField<T, S> = {
    set: about.set,
    empty: null as T,
    json: 'date',
    schema: described(schema, about),
  }
  if (about.set !== 'never') {
    field.input = {
      ...described({ type: ['string', 'number', 'null'], format: 'date-time' }, about),
      description: `${about.description} An ISO 8601 date-time or epoch milliseconds; null = never.`,
    }
    field.parse = (value, name) => validateDate(value, name) as T
  }
  return field
}

/** Text of 1 to maxLength characters, without NUL or unpaired surrogates. */
export function text<S extends Setter>(about: About<S> & { maxLength: number }) {
  const field: KeyField<string, S> = {
    set: about.set,
    required: true,
    empty: '',
    json: 'value',
    schema: described({ type: 'string', minLength: 1, maxLength: about.maxLength }, about),
    parse: (value, name) => validateText(value, name, about.maxLength),
  }
  return field
}

export function optionalText<S extends Setter>(about: About<S> & { maxLength: number }) {
  const schema: JsonSchema = { type: ['string', 'null'], minLength: 1, maxLength: about.maxLength }
  const field: KeyField<string | null, S> = {
    set: about.set,
    empty: null,
    json: 'value',
    schema: described(schema, about),
    parse: (value, name) =>
      value === undefined || value === null ? null : validateText(value, name, about.maxLength),
  }
  return field
}

export function scopeList<S extends Setter>(about: About<S>) {
  const schema: JsonSchema = {
    type: 'array',
    maxItems: MAX_SCOPES,
    items: { type: 'string', maxLength: MAX_SCOPE_LENGTH, pattern: SCOPE_PATTERN.source },
  }
  const field: KeyField<string[], S> = {
    set: about.set,
    empty: [],
    json: 'value',
    schema: described(schema, about),
    input: described(orNull(schema), { ...about, description: `${about.description} null = none.` }),
    parse: (value, name, context) => (value === null ? [] : context.scopes.validate(value, name)),
  }
  return field
}

export function jsonObject<S extends Setter>(about: About<S>) {
  const description = `${about.description} At most ${MAX_METADATA_BYTES} bytes as JSON.`
  const field: KeyField<Record<string, unknown>, S> = {
    set: about.set,
    empty: {},
    json: 'value',
    schema: described({ type: 'object' }, { ...about, description }),
    input: described({ type: ['object', 'null'] }, { ...about, description: `${description} null = {}.` }),
    parse: (value, name) => validateMetadata(value, name),
  }
  return field
}

export function credits<S extends Setter>(about: About<S>) {
  const field: KeyField<number | null, S> = {
    set: about.set,
    empty: null,
    json: 'value',
    schema: described({ type: ['integer', 'null'], minimum: 0 }, about),
    parse: (value, name) => (value === null ? null : validateNonNegativeInt(value, name)),
  }
  return field
}

const amount: JsonSchema = { type: 'integer', minimum: 0 }

export function refill<S extends Setter>(about: About<S>) {
  const schema: JsonSchema = {
    type: ['object', 'null'],
    oneOf: [
      {
        type: 'object',
        required: ['amount', 'intervalMs'],
        additionalProperties: false,
        properties: { amount, intervalMs: { type: 'integer', minimum: MIN_REFILL_MS } },
      },
      {
        type: 'object',
        required: ['amount', 'interval'],
        additionalProperties: false,
        properties: {
          amount,
          interval: { type: 'string', enum: ['daily', 'monthly'] },
          dayOfMonth: {
            type: 'integer',
            minimum: 1,
            maximum: MAX_DAY_OF_MONTH,
            description: "With 'monthly'; default 1.",
          },
        },
      },
      { type: 'null' },
    ],
  }
  const field: KeyField<Refill | null, S> = {
    set: about.set,
    empty: null,
    json: 'value',
    schema: described(schema, about),
    parse: (value, name) => validateRefill(value, name),
  }
  return field
}

export function rateLimitList<S extends Setter>(about: About<S>) {
  const schema: JsonSchema = {
    type: 'array',
    maxItems: MAX_RATE_LIMITS,
    items: {
      type: 'object',
      required: ['name', 'limit', 'windowMs'],
      properties: {
        name: { type: 'string', pattern: RULE_NAME_PATTERN.source, description: 'Unique per key.' },
        limit: { type: 'integer', minimum: 1 },
        windowMs: { type: 'integer', minimum: MIN_WINDOW_MS, maximum: MAX_PERIOD_MS },
      },
    },
  }
  const field: KeyField<RateLimitRule[], S> = {
    set: about.set,
    empty: [],
    json: 'value',
    schema: described(schema, about),
    input: described(orNull(schema), { ...about, description: `${about.description} null = none.` }),
    parse: (value, name) => validateRateLimits(value, name),
  }
  return field
}
