import { ConfigError, ConflictError, ValidationError } from '../errors.js'
import { assertPrefix } from '../keys/format.js'
import { MAX_NAME_LENGTH, MAX_OWNER_LENGTH } from '../keys/schema.js'
import { createScopeChecker } from '../keys/scopes.js'
import { validateMetadata, validateText } from '../keys/validate.js'
import type { KeyStore, StoredKey } from '../stores/types.js'
import { type LitestarRow, openLitestarSource } from './litestar-source.js'

export type { LitestarRow } from './litestar-source.js'

export interface LitestarImportOptions {
  /**
   * The litestar-api-auth database: `sqlite:./app.db`, `postgres://…`, `mysql://…`. SQLAlchemy
   * URLs work too (`sqlite+aiosqlite:///app.db`, `postgresql+asyncpg://…`): the `+driver` is ignored.
   */
  url: string
  /** SQLAlchemyConfig.table_name, optionally schema-qualified. Default `api_keys`. */
  table?: string
  /**
   * The KeyStore your warden is created with. A warden never hands out its store, so the importer
   * writes here directly; verify the imported keys with `createKeywarden({ store, prefix, acceptLegacy: true })`.
   */
  store: KeyStore
  /** `prefix` shown on imported records (their real prefix is not recoverable from a hash). Default `pyorg`, litestar-api-auth's default. */
  prefix?: string
  /**
   * Translates one litestar scope to keywarden scopes (`resource:action`); null fails the row.
   * Default: a `resource:action` scope stays as it is, a bare word such as `admin` becomes `admin:*`.
   */
  mapScope?: (scope: string) => string | string[] | null
  /** Rows read and written per round trip. Default 500. */
  batchSize?: number
  /** Called after each batch with the rows done so far and the row count found at the start. */
  onProgress?: (progress: { done: number; total: number }) => void
  /** Clock for updatedAt and for revokedAt of inactive keys. */
  now?: () => Date
}

export interface LitestarImportFailure {
  /** The row's key_id (or `row <id>` when key_id is unusable). Never the hash. */
  id: string
  reason: string
}

export interface LitestarImportReport {
  /** Rows read. */
  total: number
  imported: number
  /** Rows already in the store with the same id and hash (an earlier run imported them). */
  skipped: number
  failed: LitestarImportFailure[]
}

/** A row that cannot become a keywarden record; its message is the reason in the report. */
class RowError extends Error {}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/
const BARE_SCOPE = /^[A-Za-z0-9_.-]+$/
const SCOPE = /^[A-Za-z0-9_.-]+:(?:\*|[A-Za-z0-9_.-]+)$/
const ID = /^[\x21-\x7e]{1,128}$/
const DATE_TEXT = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/

function defaultMapScope(scope: string): string | null {
  if (SCOPE.test(scope)) return scope
  if (BARE_SCOPE.test(scope)) return `${scope}:*`
  return null
}

/** Dates as SQLAlchemy's DateTimeUTC leaves them: Date objects, or naive UTC text on sqlite. */
function toDate(value: unknown, column: string): Date | null {
  if (value === null || value === undefined) return null
  let ms: number
  if (value instanceof Date) ms = value.getTime()
  else if (typeof value === 'string') {
    const match = DATE_TEXT.exec(value.trim())
    if (!match) throw new RowError(`${column} is not a date SQLAlchemy writes (YYYY-MM-DD HH:MM:SS[.ffffff])`)
    const [, day, time, fraction = '0', zone = 'Z'] = match
    const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
    ms = Date.parse(`${day}T${time}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`)
  } else throw new RowError(`${column} is not a date`)
  if (!Number.isFinite(ms)) throw new RowError(`${column} is not a valid date`)
  return new Date(ms)
}

/** JsonB columns: parsed already on postgres/mysql, JSON text on sqlite. */
function toJson(value: unknown, column: string): unknown {
  if (typeof value !== 'string') return value ?? null
  try {
    return JSON.parse(value)
  } catch {
    throw new RowError(`${column} does not hold valid JSON`)
  }
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0
  if (typeof value === 'string') return !['0', 'f', 'false', ''].includes(value.toLowerCase())
  throw new RowError('is_active is not a boolean')
}

function toName(value: unknown): string {
  if (typeof value !== 'string') throw new RowError('name is not text')
  if (value.includes('\u0000') || !value.isWellFormed()) {
    throw new RowError('name holds NUL characters or unpaired surrogates')
  }
  const name = value.trim() || 'imported key'
  // litestar allows 255 characters, keywarden 128: shorten the label rather than lose the key.
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name
}

function toScopes(value: unknown, mapScope: (scope: string) => string | string[] | null): string[] {
  const parsed = toJson(value, 'scopes')
  if (parsed === null) return []
  if (!Array.isArray(parsed)) throw new RowError('scopes is not a JSON array')
  const out = new Set<string>()
  parsed.forEach((scope, index) => {
    if (typeof scope !== 'string') throw new RowError(`scope #${index + 1} is not a string`)
    const mapped = mapScope(scope)
    if (mapped === null) {
      throw new RowError(
        `scope #${index + 1} is not a keywarden scope ("resource:action"); pass mapScope to translate it`,
      )
    }
    for (const one of Array.isArray(mapped) ? mapped : [mapped]) out.add(one)
  })
  return [...out]
}

function toMetadata(value: unknown): Record<string, unknown> {
  const parsed = toJson(value, 'metadata_')
  if (parsed === null) return {}
  // A non-object value is kept rather than dropped.
  return validateMetadata(
    typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : { litestar: parsed },
    'metadata_',
  )
}

export interface LitestarRowContext {
  prefix: string
  mapScope: (scope: string) => string | string[] | null
  now: Date
}

/**
 * One row of litestar-api-auth's table as a keywarden record marked legacy. Throws an Error whose
 * message says why the row cannot be imported (never quoting the hash).
 */
export function litestarRowToStoredKey(row: LitestarRow, context: LitestarRowContext): StoredKey {
  const { prefix, mapScope, now } = context
  if (typeof row.key_id !== 'string' || !ID.test(row.key_id)) {
    throw new RowError('key_id must be 1 to 128 printable characters without spaces')
  }
  if (typeof row.key_hash !== 'string' || !SHA256_HEX.test(row.key_hash)) {
    throw new RowError('key_hash is not a SHA-256 hex digest (64 hex characters)')
  }
  const checker = createScopeChecker()
  let scopes: string[]
  let metadata: Record<string, unknown>
  try {
    scopes = checker.validate(toScopes(row.scopes, mapScope), 'scopes')
    metadata = toMetadata(row.metadata_)
  } catch (error) {
    if (error instanceof ValidationError) throw new RowError(error.message)
    throw error
  }
  // litestar-api-auth has no owner column; an owner_id kept in metadata becomes the owner.
  let ownerId: string | null = null
  try {
    ownerId =
      typeof metadata.owner_id === 'string'
        ? validateText(metadata.owner_id, 'ownerId', MAX_OWNER_LENGTH)
        : null
  } catch {
    ownerId = null
  }
  const active = toBoolean(row.is_active)
  return {
    id: row.key_id,
    hash: row.key_hash.toLowerCase(),
    name: toName(row.name),
    ownerId,
    prefix,
    start: `${prefix}_`,
    scopes,
    metadata,
    createdAt: toDate(row.created_at, 'created_at') ?? now,
    updatedAt: now,
    expiresAt: toDate(row.expires_at, 'expires_at'),
    revokedAt: active ? null : now,
    lastUsedAt: toDate(row.last_used_at, 'last_used_at'),
    remaining: null,
    refill: null,
    rateLimits: [],
    legacy: true,
    lastRefillAt: null,
  }
}

function failureId(row: LitestarRow): string {
  return typeof row.key_id === 'string' && ID.test(row.key_id) ? row.key_id : `row ${String(row.id)}`
}

function assertOptions(options: LitestarImportOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('importLitestarKeys needs an options object: { url, store }')
  }
  const store = options.store as Partial<KeyStore> | undefined
  if (typeof store?.createKey !== 'function' || typeof store.getKeyById !== 'function') {
    throw new ConfigError(
      'importLitestarKeys needs the KeyStore your warden uses: importLitestarKeys({ url, store }) — a warden does not expose its store',
    )
  }
  const { batchSize = 500, mapScope, onProgress, now } = options
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new ConfigError('batchSize must be an integer from 1 to 10000')
  }
  for (const [name, fn] of [
    ['mapScope', mapScope],
    ['onProgress', onProgress],
    ['now', now],
  ] as const) {
    if (fn !== undefined && typeof fn !== 'function') throw new ConfigError(`${name} must be a function`)
  }
}

/**
 * Copies every key of a litestar-api-auth database into a keywarden KeyStore. Its hashes are
 * SHA-256 hex of the whole key like keywarden's, so the old keys keep working with
 * `createKeywarden({ acceptLegacy: true })` (no pepper). Name, scopes, is_active (false: revoked at
 * import time), created, expires, last used and metadata carry over. Rows that cannot be imported
 * are reported, not thrown; a failing store or source throws.
 */
export async function importLitestarKeys(options: LitestarImportOptions): Promise<LitestarImportReport> {
  assertOptions(options)
  const {
    url,
    table = 'api_keys',
    store,
    prefix = 'pyorg',
    mapScope = defaultMapScope,
    batchSize = 500,
    onProgress,
    now = () => new Date(),
  } = options
  assertPrefix(prefix)
  const source = await openLitestarSource(url, table)
  const report: LitestarImportReport = { total: 0, imported: 0, skipped: 0, failed: [] }
  try {
    const expected = await source.count()
    onProgress?.({ done: 0, total: expected })
    let after: LitestarRow['id'] | null = null
    for (;;) {
      const rows = await source.page(after, batchSize)
      if (rows.length === 0) break
      const at = now()
      const outcomes = await Promise.all(rows.map((row) => importRow(row, { prefix, mapScope, now: at })))
      rows.forEach((row, i) => {
        const outcome = outcomes[i]
        if (outcome === 'imported') report.imported++
        else if (outcome === 'skipped') report.skipped++
        else report.failed.push({ id: failureId(row), reason: outcome as string })
      })
      report.total += rows.length
      after = (rows.at(-1) as LitestarRow).id
      onProgress?.({ done: report.total, total: Math.max(expected, report.total) })
    }
    return report
  } finally {
    await source.close()
  }

  async function importRow(row: LitestarRow, context: LitestarRowContext): Promise<string> {
    let stored: StoredKey
    try {
      stored = litestarRowToStoredKey(row, context)
    } catch (error) {
      if (error instanceof RowError) return error.message
      throw error
    }
    try {
      await store.createKey(stored)
      return 'imported'
    } catch (error) {
      if (error instanceof ConflictError) {
        const existing = await store.getKeyById(stored.id)
        if (existing?.hash === stored.hash) return 'skipped'
        return 'a different key with this id or hash exists already in the store'
      }
      if (error instanceof ValidationError) return error.message
      throw error
    }
  }
}
