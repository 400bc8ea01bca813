/**
 * The key record, field by field: the one place that says what each field holds, its bounds, who
 * may set it and how it is written to JSON. Input checks (keys/input.ts), the record builder
 * (keys/record.ts), the HTTP body checks, JSON and OpenAPI schemas derive from this table.
 * Adding a field: one entry here plus its store column (docs/keys.md).
 */
import type { ApiKeyRecord } from '../stores/types.js'
import {
  credits,
  fixed,
  type JsonSchema,
  jsonObject,
  type KeyField,
  optionalText,
  rateLimitList,
  refill,
  type Setter,
  scopeList,
  text,
  timestamp,
} from './schema-kinds.js'

export const MAX_NAME_LENGTH = 128
export const MAX_OWNER_LENGTH = 256

const AT = '2030-01-01T00:00:00.000Z'

export const KEY_FIELDS = {
  id: fixed('string', '', { description: 'Unique id of the key.', example: 'k_01J9ZQ4W8E5RT3Y2' }),
  name: text({
    set: 'update',
    maxLength: MAX_NAME_LENGTH,
    description: 'What the key is for, shown in lists.',
    example: 'billing service',
  }),
  ownerId: optionalText({
    set: 'update',
    maxLength: MAX_OWNER_LENGTH,
    description: 'Who the key belongs to; null = nobody in particular.',
    example: 'team-billing',
  }),
  prefix: fixed('string', '', { description: "The warden's key prefix.", example: 'sk' }),
  start: fixed('string', '', {
    description: 'prefix + "_" + the first 4 characters, for display',
    example: 'sk_Ab3d',
  }),
  scopes: scopeList({
    set: 'update',
    description: '"resource:action" scopes; "resource:*" grants every action on the resource.',
    example: ['users:read', 'invoices:*'],
  }),
  metadata: jsonObject({ set: 'update', description: 'Your own data.', example: { plan: 'pro' } }),
  createdAt: timestamp({ set: 'never', nullable: false, description: 'When it was created.', example: AT }),
  updatedAt: timestamp({ set: 'never', nullable: false, description: 'Last change.', example: AT }),
  expiresAt: timestamp({
    set: 'update',
    nullable: true,
    description: 'When it stops verifying; null = never.',
    example: AT,
  }),
  revokedAt: timestamp({ set: 'never', nullable: true, description: 'When it was revoked.', example: AT }),
  lastUsedAt: timestamp({
    set: 'never',
    nullable: true,
    description: 'Last successful verification (written behind, may lag).',
    example: AT,
  }),
  remaining: credits({ set: 'admin', description: 'Credits left; null = unlimited.', example: 1000 }),
  refill: refill({
    set: 'admin',
    description:
      'Sets `remaining` to `amount` (it does not add) every `intervalMs` from createdAt, or daily / monthly at 00:00 UTC. Needs remaining. See docs/limits.md.',
    example: { amount: 1000, interval: 'monthly' },
  }),
  rateLimits: rateLimitList({
    set: 'admin',
    description: 'At most `limit` verifications per `windowMs` each.',
    example: [{ name: 'per-minute', limit: 60, windowMs: 60_000 }],
  }),
  legacy: fixed('boolean', false, {
    description: "Imported from a system without keywarden's checksum; verifies only with acceptLegacy.",
    example: false,
  }),
} satisfies { [K in keyof ApiKeyRecord]: KeyField<ApiKeyRecord[K]> }

type Fields = typeof KEY_FIELDS
export type KeyFieldName = keyof Fields
type SetBy<S extends Setter> = { [K in KeyFieldName]: Fields[K]['set'] extends S ? K : never }[KeyFieldName]

/** What a caller may set: on create all of these, on update those not 'create'. */
export type SettableField = SetBy<'create' | 'update' | 'admin'>
export type KeySettings = Pick<ApiKeyRecord, SettableField>

const names = Object.keys(KEY_FIELDS) as KeyFieldName[]
const setBy = (...setters: Setter[]) => names.filter((name) => setters.includes(KEY_FIELDS[name].set))

export const RECORD_FIELDS: readonly KeyFieldName[] = names
export const CREATE_FIELDS = setBy('create', 'update', 'admin') as readonly SettableField[]
export const UPDATE_FIELDS = setBy('update', 'admin') as readonly SettableField[]
/** Fields only an admin may change on an existing key. */
export const ADMIN_FIELDS = setBy('admin') as readonly SettableField[]
export const REQUIRED_FIELDS = names.filter((name) => 'required' in KEY_FIELDS[name])

export function settableField(name: SettableField): Required<Pick<KeyField, 'parse'>> & KeyField {
  return KEY_FIELDS[name] as Required<Pick<KeyField, 'parse'>> & KeyField
}

const inputSchema = (fields: readonly SettableField[]) =>
  Object.fromEntries(fields.map((name) => [name, settableField(name).input ?? KEY_FIELDS[name].schema]))

/** JSON Schemas of a record as JSON and of the create and update inputs, from the table. */
export const keyJsonSchemas: Record<'ApiKeyRecord' | 'CreateKeyInput' | 'UpdateKeyInput', JsonSchema> = {
  ApiKeyRecord: {
    type: 'object',
    description: 'An issued key as stored: never the plaintext key, never its hash.',
    required: [...RECORD_FIELDS],
    properties: Object.fromEntries(names.map((name) => [name, KEY_FIELDS[name].schema])),
  },
  CreateKeyInput: {
    type: 'object',
    required: REQUIRED_FIELDS,
    additionalProperties: false,
    properties: inputSchema(CREATE_FIELDS),
  },
  UpdateKeyInput: { type: 'object', additionalProperties: false, properties: inputSchema(UPDATE_FIELDS) },
}
