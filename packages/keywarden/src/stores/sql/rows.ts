import type { KeyPatch, SecretRecord, StoredKey } from '../types.js'

/** Column order of the keys table as selected by the hot queries (sqlite reads rows as arrays). */
export const KEY_COLUMNS = [
  'id',
  'hash',
  'name',
  'owner_id',
  'prefix',
  'start',
  'scopes',
  'metadata',
  'created_at',
  'updated_at',
  'expires_at',
  'revoked_at',
  'last_used_at',
  'remaining',
  'refill',
  'rate_limits',
  'legacy',
  'last_refill_at',
  'limit_id',
  'limit_created_at',
] as const

type Value = any

const time = (value: Value): Date | null =>
  value === null || value === undefined ? null : new Date(Number(value))
const json = (value: Value): any => (value === null || value === undefined ? null : JSON.parse(value))

/** A keys row, as an object or as an array in KEY_COLUMNS order. */
export function keyFromArray(r: Value[]): StoredKey {
  return {
    id: r[0],
    hash: r[1],
    name: r[2],
    ownerId: r[3],
    prefix: r[4],
    start: r[5],
    scopes: JSON.parse(r[6]),
    metadata: JSON.parse(r[7]),
    createdAt: new Date(Number(r[8])),
    updatedAt: new Date(Number(r[9])),
    expiresAt: time(r[10]),
    revokedAt: time(r[11]),
    lastUsedAt: time(r[12]),
    remaining: r[13] === null ? null : Number(r[13]),
    refill: json(r[14]),
    rateLimits: JSON.parse(r[15]),
    legacy: r[16] === true || Number(r[16]) === 1,
    lastRefillAt: time(r[17]),
    limitId: r[18] ?? null,
    limitCreatedAt: time(r[19]),
  }
}

export function keyFromRow(r: Record<string, Value>): StoredKey {
  return {
    id: r.id,
    hash: r.hash,
    name: r.name,
    ownerId: r.owner_id,
    prefix: r.prefix,
    start: r.start,
    scopes: JSON.parse(r.scopes),
    metadata: JSON.parse(r.metadata),
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
    expiresAt: time(r.expires_at),
    revokedAt: time(r.revoked_at),
    lastUsedAt: time(r.last_used_at),
    remaining: r.remaining === null ? null : Number(r.remaining),
    refill: json(r.refill),
    rateLimits: JSON.parse(r.rate_limits),
    legacy: r.legacy === true || Number(r.legacy) === 1,
    lastRefillAt: time(r.last_refill_at),
    limitId: r.limit_id ?? null,
    limitCreatedAt: time(r.limit_created_at),
  }
}

const ms = (date: Date | null): number | null => (date === null ? null : date.getTime())

export function keyToRow(key: StoredKey) {
  return {
    id: key.id,
    hash: key.hash,
    name: key.name,
    owner_id: key.ownerId,
    prefix: key.prefix,
    start: key.start,
    scopes: JSON.stringify(key.scopes),
    metadata: JSON.stringify(key.metadata),
    created_at: key.createdAt.getTime(),
    updated_at: key.updatedAt.getTime(),
    expires_at: ms(key.expiresAt),
    revoked_at: ms(key.revokedAt),
    last_used_at: ms(key.lastUsedAt),
    remaining: key.remaining,
    refill: key.refill === null ? null : JSON.stringify(key.refill),
    rate_limits: JSON.stringify(key.rateLimits),
    legacy: key.legacy ? 1 : 0,
    last_refill_at: ms(key.lastRefillAt),
    limit_id: key.limitId ?? null,
    limit_created_at: ms(key.limitCreatedAt ?? null),
  }
}

/** The columns a KeyPatch sets (fields left undefined are not part of it). */
export function patchColumns(patch: KeyPatch): Record<string, unknown> {
  const set: Record<string, unknown> = { updated_at: patch.updatedAt.getTime() }
  if (patch.name !== undefined) set.name = patch.name
  if (patch.ownerId !== undefined) set.owner_id = patch.ownerId
  if (patch.scopes !== undefined) set.scopes = JSON.stringify(patch.scopes)
  if (patch.metadata !== undefined) set.metadata = JSON.stringify(patch.metadata)
  if (patch.expiresAt !== undefined) set.expires_at = ms(patch.expiresAt)
  if (patch.revokedAt !== undefined) set.revoked_at = ms(patch.revokedAt)
  if (patch.remaining !== undefined) set.remaining = patch.remaining
  if (patch.refill !== undefined) set.refill = patch.refill === null ? null : JSON.stringify(patch.refill)
  if (patch.rateLimits !== undefined) set.rate_limits = JSON.stringify(patch.rateLimits)
  if (patch.lastRefillAt !== undefined) set.last_refill_at = ms(patch.lastRefillAt)
  return set
}

export function secretFromRow(r: Record<string, Value>): SecretRecord {
  return {
    scope: r.scope,
    provider: r.provider,
    ciphertext: r.ciphertext,
    keyId: r.key_id,
    fingerprint: r.fingerprint,
    masked: r.masked,
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
    expiresAt: time(r.expires_at),
  }
}

export function secretToRow(record: SecretRecord) {
  return {
    scope: record.scope,
    provider: record.provider,
    ciphertext: record.ciphertext,
    key_id: record.keyId,
    fingerprint: record.fingerprint,
    masked: record.masked,
    created_at: record.createdAt.getTime(),
    updated_at: record.updatedAt.getTime(),
    expires_at: ms(record.expiresAt),
  }
}
