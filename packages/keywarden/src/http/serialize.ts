import { KEY_FIELDS, RECORD_FIELDS } from '../keys/schema.js'
import type { ApiKeyRecord } from '../stores/types.js'

/**
 * A record as JSON: the key schema's fields only (never a hash, whatever a store returns), dates as
 * ISO strings, a field a store left out as its empty value.
 */
export function recordJson(record: ApiKeyRecord): Record<string, unknown> {
  const json: Record<string, unknown> = {}
  for (const name of RECORD_FIELDS) {
    const field = KEY_FIELDS[name]
    const value = record[name] ?? field.empty
    json[name] = field.json === 'date' && value instanceof Date ? value.toISOString() : value
  }
  return json
}
