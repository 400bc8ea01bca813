/** The one place a key record is assembled: for a new key, a rolled key and the public view. */
import type { ApiKeyRecord, StoredKey } from '../stores/types.js'
import { CREATE_FIELDS, KEY_FIELDS, type KeyFieldName, type KeySettings, RECORD_FIELDS } from './schema.js'

/** What keywarden itself sets on a new key. */
export interface FreshKey {
  id: string
  hash: string
  prefix: string
  start: string
  at: Date
  lastRefillAt: Date | null
}

// A copy, so no two keys share one empty array or object.
const emptyOf = (value: unknown) =>
  typeof value === 'object' && value !== null ? structuredClone(value) : value

/** A new key as stored: the given settings, the table's empty value for any left out. */
export function newStoredKey(settings: Partial<KeySettings>, fresh: FreshKey): StoredKey {
  const stored: Record<string, unknown> = {}
  for (const name of RECORD_FIELDS) {
    stored[name] = (settings as Record<string, unknown>)[name] ?? emptyOf(KEY_FIELDS[name].empty)
  }
  const { at, ...rest } = fresh
  return { ...(stored as unknown as ApiKeyRecord), ...rest, createdAt: at, updatedAt: at }
}

/** The settings a rolled key takes over from the key it replaces. */
export function settingsOf(record: ApiKeyRecord): KeySettings {
  const settings: Record<string, unknown> = {}
  for (const name of CREATE_FIELDS) settings[name] = record[name]
  return settings as unknown as KeySettings
}

/**
 * The public view of a stored key: the table's fields, never the hash or internal bookkeeping.
 * Written out, not looped over the table: it runs on every verification of a SQL or Redis key, and
 * the loop cost 0.45–0.7 µs against 0.01–0.03 µs (docs/benchmarks.md). `satisfies` makes a field
 * missing here, or one the table lacks, a compile error.
 */
export function toRecord(stored: StoredKey): ApiKeyRecord {
  return {
    id: stored.id,
    name: stored.name,
    ownerId: stored.ownerId,
    prefix: stored.prefix,
    start: stored.start,
    scopes: stored.scopes,
    metadata: stored.metadata,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    expiresAt: stored.expiresAt,
    revokedAt: stored.revokedAt,
    lastUsedAt: stored.lastUsedAt,
    remaining: stored.remaining,
    refill: stored.refill,
    rateLimits: stored.rateLimits,
    legacy: stored.legacy,
  } satisfies Record<KeyFieldName, unknown>
}
