import { KEY_FIELDS, type KeyFieldName, RECORD_FIELDS } from '../keys/schema.js'
import type { ApiKeyRecord } from '../stores/types.js'

/** What a verification answer shows of the key: who it is and what it may do, no limits or history. */
export const VERIFIED_KEY_FIELDS = [
  'id',
  'name',
  'ownerId',
  'scopes',
  'metadata',
  'expiresAt',
  'lastUsedAt',
] as const satisfies readonly KeyFieldName[]

/**
 * A record as JSON: the key schema's fields only (never a hash, whatever a store returns), dates as
 * ISO strings, a field a store left out as its empty value.
 */
export function recordJson(record: ApiKeyRecord): Record<string, unknown> {
  return fieldsJson(record, RECORD_FIELDS)
}

/** The verification answer's view of a record: VERIFIED_KEY_FIELDS, written like recordJson. */
export function verifiedKeyJson(record: ApiKeyRecord): Record<string, unknown> {
  return fieldsJson(record, VERIFIED_KEY_FIELDS)
}

function fieldsJson(record: ApiKeyRecord, fields: readonly KeyFieldName[]): Record<string, unknown> {
  const json: Record<string, unknown> = {}
  for (const name of fields) {
    const field = KEY_FIELDS[name]
    const value = record[name] ?? field.empty
    json[name] = field.json === 'date' && value instanceof Date ? value.toISOString() : value
  }
  return json
}
