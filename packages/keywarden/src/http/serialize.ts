import type { ApiKeyRecord } from '../stores/types.js'

const iso = (date: Date | null) => (date ? date.toISOString() : null)

/** A record as JSON: named fields only (never a hash, whatever a store returns), dates as ISO strings. */
export function recordJson(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    ownerId: record.ownerId,
    prefix: record.prefix,
    start: record.start,
    scopes: record.scopes,
    metadata: record.metadata,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    expiresAt: iso(record.expiresAt),
    revokedAt: iso(record.revokedAt),
    lastUsedAt: iso(record.lastUsedAt),
    remaining: record.remaining ?? null,
    refill: record.refill ?? null,
    rateLimits: record.rateLimits ?? [],
  }
}
