import type {
  CompiledQuery,
  InsertQueryBuilder,
  Kysely,
  MysqlAdapter,
  PostgresAdapter,
  RawBuilder,
  SelectQueryBuilder,
  SqliteAdapter,
} from 'kysely'
import type { StoredKey } from '../../types.js'
import type { Consume } from '../consume.js'
import type { Importer } from '../driver.js'
import type { GroupOps, Names } from '../groups.js'
import type { SqlDialectName } from '../options.js'

/** What error messages may say about the server: never the password. */
export interface Target {
  dialect: SqlDialect
  /** host:port, or the sqlite file path. */
  where: string
  /** Strings to scrub from any message (the password, raw and URL-decoded). */
  secrets: string[]
}

/** The reads and writes of one open store, by whatever path its connection allows. */
export interface HotPath {
  byHash(hash: string): Promise<StoredKey | null>
  byId(id: string): Promise<StoredKey | null>
  consume: Consume
  groups: GroupOps
}

/** The key reads, compiled once by Kysely for this store's tables. */
export interface KeyReads {
  byHash: CompiledQuery
  byId: CompiledQuery
}

export interface Connected {
  db: Kysely<any>
  dialect: SqlDialect
  target: Target
  /** A cross-process migration lock the store holds (sqlite: URLs): told when a migration fails. */
  migrationLock?: { markFailed(): void }
  /**
   * Set when the store owns a driver it can call past Kysely (sqlite: URLs). `q` is the schema-bound
   * Kysely (it only compiles there).
   */
  hotPath?(q: Kysely<any>, names: Names, reads: KeyReads): HotPath
  /** True when the store created the Kysely instance and must destroy it on close. */
  owned: boolean
}

type Select = SelectQueryBuilder<any, any, any>
type Insert = InsertQueryBuilder<any, any, any>

/** Column types of the DDL (times are BIGINT epoch ms on every engine). */
export interface ColumnTypes {
  /** Text of up to n characters, compared byte for byte. */
  text(n: number): RawBuilder<unknown>
  json: RawBuilder<unknown>
  flag: RawBuilder<unknown>
  /** What follows a CREATE TABLE (mysql: engine, charset and collation). */
  tableEnd(mysqlCollation: string): RawBuilder<unknown>
}

/**
 * What differs between SQLite, PostgreSQL and MySQL/MariaDB, written once per engine
 * (dialects/sqlite.ts, postgres.ts, mysql.ts). Everything else is shared Kysely code.
 */
export interface SqlDialect {
  readonly name: SqlDialectName
  /** Kysely's adapter for this engine: tells an app's Kysely apart. */
  readonly adapter: typeof SqliteAdapter | typeof PostgresAdapter | typeof MysqlAdapter
  /** A Kysely that only compiles (printSchema). */
  offline(): Kysely<any>
  /** Whether the `schema` option applies. */
  readonly schemas: boolean
  /** SQLite only: a marker that moves when another connection commits (cachedStore's `watch`). */
  dataVersion?(q: Kysely<any>): Promise<number>
  /** Whether UPDATE … RETURNING exists; without it an update is read back. */
  readonly returning: boolean
  readonly types: ColumnTypes

  /** Opens the driver for a URL of this engine (imported only then). */
  open(url: string, poolSize: number, importer?: Importer): Promise<Connected>
  /** The collation the migrations give MySQL tables (read from the server; a default elsewhere). */
  migrationCollation(db: Kysely<any>): Promise<string>
  /** Whether a failed migration run is tried again (sqlite: several processes on one new file). */
  retryMigration(error: unknown, attempt: number, locked: boolean): boolean

  /** One write transaction whose row locks are taken by `lockRows` (no retry). */
  transaction<T>(q: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>): Promise<T>
  /** The query, locking the rows it reads until the transaction ends (where the engine needs it). */
  lockRows<Q extends Select>(query: Q): Q
  /** Like lockRows, skipping rows another transaction holds (outbox leases); SQLite's write lock serializes instead. */
  lockFreeRows<Q extends Select>(query: Q): Q
  /** INSERT, or on a duplicate of `conflict` UPDATE `set`. */
  upsert(insert: Insert, conflict: string[], set: Record<string, unknown>): Insert
  /** In an upsert's `set`: the value the insert would have written to `column`. */
  inserted(column: string): RawBuilder<unknown>
  /** last_used_at = max(last_used_at, at) for each [id, at], in as few statements as the engine allows. */
  touch(q: Kysely<any>, table: string, entries: Array<[string, number]>): Promise<void>

  isUniqueViolation(error: unknown): boolean
  /** Deadlocks and serialization failures: the transaction did nothing and may run again. */
  isRetryable(error: unknown): boolean
  /** Whether an error with this code and message means the server is unreachable or refused us. */
  isConnectionFailure(code: string, detail: string): boolean
}
