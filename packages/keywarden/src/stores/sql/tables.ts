import type { ColumnType } from 'kysely'

/**
 * Times are epoch milliseconds (UTC) in a BIGINT column on every engine, so they round-trip to the
 * millisecond. Drivers may hand BIGINT back as a string (pg) or bigint (better-sqlite3 with
 * safeIntegers); `Number(value)` reads all of them.
 */
export type EpochMs = ColumnType<number | string | bigint, number, number>
export type NullableEpochMs = ColumnType<number | string | bigint | null, number | null, number | null>

/** One row per issued key. JSON columns are TEXT holding `JSON.stringify` output. */
export interface KeysTable {
  id: string
  /** SHA-256 hex (or HMAC-SHA256 hex) of the whole key; unique. */
  hash: string
  name: string
  owner_id: string | null
  prefix: string
  start: string
  /** JSON array of strings. */
  scopes: string
  /** JSON object. */
  metadata: string
  created_at: EpochMs
  updated_at: EpochMs
  expires_at: NullableEpochMs
  revoked_at: NullableEpochMs
  last_used_at: NullableEpochMs
  /** Credits left; null = unlimited. */
  remaining: ColumnType<number | string | bigint | null, number | null, number | null>
  /** JSON object or null. */
  refill: string | null
  /** JSON array of { name, limit, windowMs }. */
  rate_limits: string
  /** 1 for keys imported without keywarden's checksum, else 0. */
  legacy: ColumnType<number | boolean, number, number>
  last_refill_at: NullableEpochMs
  /** The limit group (id of the first key of its roll chain), or null. */
  limit_id: string | null
  /** createdAt of the group's first key: the grid of interval refills. */
  limit_created_at: NullableEpochMs
}

/** One row per (scope, provider) vault secret. */
export interface SecretsTable {
  scope: string
  provider: string
  /** `kw1.<keyId>.<iv>.<ciphertext+tag>`. */
  ciphertext: string
  key_id: string
  fingerprint: string
  masked: string
  created_at: EpochMs
  updated_at: EpochMs
  expires_at: NullableEpochMs
}

/** Rate-limit counters: one row per (key or limit group id, rule name, fixed window start). */
export interface RateWindowsTable {
  key_id: string
  name: string
  window_start: EpochMs
  count: ColumnType<number | string | bigint, number, number>
}

/** The append-only audit log (migration 0005_audit): one row per entry, never updated or deleted. */
export interface AuditTable {
  id: string
  at: EpochMs
  action: string
  actor_type: string
  actor_id: string | null
  actor_address: string | null
  target_type: string
  target_id: string
  owner_id: string | null
  request_id: string | null
  /** JSON array of field names, or null. */
  fields: string | null
  /** JSON object of plain values, or null. */
  detail: string | null
}

/**
 * The tables as Kysely sees them, for apps that query them with their own Kysely:
 * `Kysely<MyTables & KeywardenTables>` or, with `tablePrefix: 'auth_'`, `KeywardenTables<'auth_'>`.
 */
export type KeywardenTables<Prefix extends string = 'keywarden_'> = {
  [K in `${Prefix}keys`]: KeysTable
} & {
  [K in `${Prefix}secrets`]: SecretsTable
} & {
  [K in `${Prefix}rate_windows`]: RateWindowsTable
} & {
  [K in `${Prefix}audit`]: AuditTable
}
