import { type CompiledQuery, Kysely, type MigrationResult, sql } from 'kysely'
import { ConfigError, StoreError, ValidationError } from '../../errors.js'
import { decodeCursor, encodeCursor } from '../cursor.js'
import { assertKeyDates } from '../dates.js'
import { expiryBound } from '../secret-delete.js'
import type { KeyPatch, KeyStore, SecretRecord, SecretStore, StoredKey, TouchEntry } from '../types.js'
import { type Connected, connectUrl, detectDialect, parseScheme } from './connect.js'
import { type Consume, kyselyConsumer, sqliteConsumer } from './consume.js'
import { readDataVersion, type SqliteChangeMarker } from './data-version.js'
import { isUniqueViolation, keyConflict, toStoreError } from './errors.js'
import { type GroupOps, kyselyGroups, sqliteGroups } from './groups.js'
import { runMigrations } from './migrate.js'
import { tableNames } from './migrations.js'
import { type ResolvedOptions, resolveOptions, type SqlConnection, type SqlStoreOptions } from './options.js'
import {
  KEY_COLUMNS,
  keyFromArray,
  keyFromRow,
  keyToRow,
  patchColumns,
  secretFromRow,
  secretToRow,
} from './rows.js'

export type SqlStore = KeyStore & SecretStore & SqliteChangeMarker

interface Ready {
  /** Plugin-free Kysely; `q` is the same with the configured schema applied. */
  q: Kysely<any>
  byHash(hash: string): Promise<StoredKey | null>
  byId(id: string): Promise<StoredKey | null>
  consume: Consume
  groups: GroupOps
}

interface Internals {
  migrate(): Promise<MigrationResult[]>
}

const internals = new WeakMap<object, Internals>()

/** Runs pending migrations for a store made with `migrate: 'manual'` (harmless with 'auto'). */
export async function migrateToLatest(store: SqlStore): Promise<MigrationResult[]> {
  const inner = internals.get(store)
  if (!inner) throw new ConfigError('migrateToLatest: pass a store returned by sqlStore()')
  return inner.migrate()
}

/** MySQL bind parameters per statement stay well under 65,535. */
const MYSQL_TOUCH_CHUNK = 5000

function newestPerId(entries: TouchEntry[]): Array<[string, number]> {
  const newest = new Map<string, number>()
  for (const { id, lastUsedAt } of entries) {
    const at = lastUsedAt.getTime()
    if (!(at <= (newest.get(id) ?? Number.NEGATIVE_INFINITY))) newest.set(id, at)
  }
  return [...newest]
}

function encodeScanCursor(scope: string, provider: string): string {
  return Buffer.from(JSON.stringify([scope, provider])).toString('base64url')
}

function decodeScanCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString())
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string]
  } catch {}
  throw new ValidationError('cursor is not one this store returned; pass nextCursor from the previous page', {
    field: 'cursor',
  })
}

/**
 * Issued keys and vault secrets in SQLite, PostgreSQL or MySQL/MariaDB through Kysely.
 * `sqlStore({ url: 'sqlite:keys.db' })`, `sqlStore({ url: 'postgres://…' }, { schema: 'auth' })`,
 * `sqlStore({ db: appKysely })`. It connects (and with `migrate: 'auto'` migrates) at first use.
 */
export function sqlStore(
  connection: SqlConnection & SqlStoreOptions,
  options: SqlStoreOptions = {},
): SqlStore {
  if (typeof connection !== 'object' || connection === null) {
    throw new ConfigError(
      'sqlStore needs { url } (sqlite:, postgres://, mysql://) or { db } (your Kysely instance)',
    )
  }
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('sqlStore: options must be an object')
  const opts: ResolvedOptions = resolveOptions({ ...connection, ...options } as Record<string, unknown>, true)
  const hasUrl = 'url' in connection && connection.url !== undefined
  const hasDb = 'db' in connection && connection.db !== undefined
  if (hasUrl === hasDb) {
    throw new ConfigError('sqlStore needs exactly one of { url } or { db }')
  }
  let poolSize = 10
  let declared: 'sqlite' | 'postgres' | 'mysql'
  if (hasUrl) {
    const { url } = connection as { url: unknown }
    if (typeof url !== 'string')
      throw new ConfigError('sqlStore: url must be a string such as "sqlite:keys.db"')
    declared = parseScheme(url)
    const size = (connection as { poolSize?: unknown }).poolSize
    if (size !== undefined) {
      if (!Number.isSafeInteger(size) || (size as number) < 1) {
        throw new ConfigError('sqlStore: poolSize must be a positive integer')
      }
      poolSize = size as number
    }
  } else {
    const { db, dialect } = connection as { db: unknown; dialect?: unknown }
    if (!(db instanceof Kysely)) throw new ConfigError('sqlStore: db must be a Kysely instance')
    declared = detectDialect(db, dialect as never)
  }
  if (opts.schema && declared !== 'postgres') {
    throw new ConfigError('sqlStore: the schema option applies to postgres only; use tablePrefix instead')
  }

  const names = tableNames(opts.tablePrefix)
  const qualified = (table: string) => (opts.schema ? `${opts.schema}.${table}` : table)
  let target = { engine: declared, where: 'the app database', secrets: [] as string[] }
  let connecting: Promise<Connected> | null = null
  let connected: Connected | null = null
  let opening: Promise<Ready> | null = null
  let state: Ready | null = null
  let closed = false
  let migrated: Promise<MigrationResult[]> | null = null

  function connect(): Promise<Connected> {
    if (closed) return Promise.reject(new StoreError('sqlStore: this store is closed; create a new one'))
    connecting ??= (async () => {
      if (hasUrl) {
        const { url } = connection as { url: string }
        try {
          return await connectUrl(url, poolSize)
        } catch (error) {
          throw toStoreError(error, { engine: declared, where: 'the configured url', secrets: [] }, 'connect')
        }
      }
      const db = (connection as { db: Kysely<any> }).db.withoutPlugins()
      return { db, dialect: declared, target, owned: false }
    })().then(
      (c) => {
        connected = c
        target = c.target
        return c
      },
      (error) => {
        connecting = null
        throw error
      },
    )
    return connecting
  }

  async function migrate(): Promise<MigrationResult[]> {
    const c = await connect()
    return runMigrations({
      db: c.db,
      dialect: c.dialect,
      tablePrefix: opts.tablePrefix,
      schema: opts.schema,
      target: c.target,
      sqliteLock: c.sqliteLock,
    })
  }

  async function prepare(): Promise<Ready> {
    const c = await connect()
    if (opts.migrate === 'auto') {
      migrated ??= migrate().catch((error) => {
        migrated = null
        throw error
      })
      await migrated
    }
    const q = opts.schema ? c.db.withSchema(opts.schema) : c.db
    const select = (column: 'hash' | 'id') =>
      q
        .selectFrom(names.keys)
        .select([...KEY_COLUMNS])
        .where(column, '=', '')
        .compile()
    const byHashQuery = select('hash')
    const byIdQuery = select('id')
    if (c.sqlite) {
      // better-sqlite3 is synchronous: a prepared statement read as an array skips Kysely per call.
      const byHash = c.sqlite.prepare(byHashQuery.sql).raw(true)
      const byId = c.sqlite.prepare(byIdQuery.sql).raw(true)
      return {
        q,
        consume: sqliteConsumer(c.sqlite, names),
        groups: sqliteGroups(c.sqlite, q, names),
        byHash: async (hash) => {
          const row = byHash.get(hash) as unknown[] | undefined
          return row ? keyFromArray(row) : null
        },
        byId: async (id) => {
          const row = byId.get(id) as unknown[] | undefined
          return row ? keyFromArray(row) : null
        },
      }
    }
    if (c.pgPool) {
      // Our own pool: one pool.query per read as a named (server-side prepared) statement, rows as
      // arrays, no per-call query building.
      const pool = c.pgPool
      const read = async (name: string, text: string, value: string) => {
        const { rows } = await pool.query({ name, text, values: [value], rowMode: 'array' })
        const row = rows[0]
        return row ? keyFromArray(row) : null
      }
      return {
        q,
        consume: kyselyConsumer(q, c.dialect, names),
        groups: kyselyGroups(q, c.dialect, names),
        byHash: (hash) => read('keywarden_key_by_hash', byHashQuery.sql, hash),
        byId: (id) => read('keywarden_key_by_id', byIdQuery.sql, id),
      }
    }
    // Compiled once; each call only swaps the parameter.
    const run = async (query: CompiledQuery, value: string) => {
      const { rows } = await c.db.executeQuery<Record<string, unknown>>({ ...query, parameters: [value] })
      const row = rows[0]
      return row ? keyFromRow(row) : null
    }
    return {
      q,
      consume: kyselyConsumer(q, c.dialect, names),
      groups: kyselyGroups(q, c.dialect, names),
      byHash: (hash) => run(byHashQuery, hash),
      byId: (id) => run(byIdQuery, id),
    }
  }

  function open(): Promise<Ready> {
    if (closed) return Promise.reject(new StoreError('sqlStore: this store is closed; create a new one'))
    opening ??= prepare().then(
      (ready) => {
        state = ready
        return ready
      },
      (error) => {
        opening = null
        throw toStoreError(error, target, 'open the store')
      },
    )
    return opening
  }

  async function guarded<T>(doing: string, work: (ready: Ready) => Promise<T>): Promise<T> {
    const ready = state && !closed ? state : await open()
    try {
      return await work(ready)
    } catch (error) {
      throw toStoreError(error, target, doing)
    }
  }

  const dialect = () => connected?.dialect ?? declared

  async function touchAll(q: Kysely<any>, entries: Array<[string, number]>): Promise<void> {
    const table = sql.table(qualified(names.keys))
    if (dialect() === 'postgres') {
      await sql`update ${table} as k set last_used_at = v.at
        from (select unnest(${entries.map((e) => e[0])}::text[]) as id, unnest(${entries.map((e) => e[1])}::bigint[]) as at) as v
        where k.id = v.id and (k.last_used_at is null or k.last_used_at < v.at)`.execute(q)
      return
    }
    if (dialect() === 'sqlite') {
      await sql`with v(id, at) as (select json_extract(value, '$[0]'), json_extract(value, '$[1]') from json_each(${JSON.stringify(entries)}))
        update ${table} set last_used_at = v.at from v
        where ${table}.id = v.id and (${table}.last_used_at is null or ${table}.last_used_at < v.at)`.execute(
        q,
      )
      return
    }
    for (let i = 0; i < entries.length; i += MYSQL_TOUCH_CHUNK) {
      const chunk = entries.slice(i, i + MYSQL_TOUCH_CHUNK)
      const cases = sql.join(
        chunk.map(([id, at]) => sql`when ${id} then greatest(coalesce(last_used_at, 0), ${at})`),
        sql` `,
      )
      await sql`update ${table} set last_used_at = case id ${cases} else last_used_at end
        where id in (${sql.join(chunk.map((e) => e[0]))})`.execute(q)
    }
  }

  const store: SqlStore = {
    async createKey(key) {
      assertKeyDates(key)
      await guarded('create a key', async ({ q }) => {
        try {
          await q.insertInto(names.keys).values(keyToRow(key)).execute()
        } catch (error) {
          throw isUniqueViolation(error) ? keyConflict(error, key.id) : error
        }
      })
    },

    async getKeyByHash(hash) {
      const ready = state && !closed ? state : await open()
      try {
        return await ready.byHash(hash)
      } catch (error) {
        throw toStoreError(error, target, 'read a key by hash')
      }
    },

    async getKeyById(id) {
      return guarded('read a key by id', (ready) => ready.byId(id))
    },

    async listKeys({ ownerId, limit, cursor }) {
      const after = cursor ? decodeCursor(cursor) : null
      return guarded('list keys', async ({ q }) => {
        let query = q.selectFrom(names.keys).select([...KEY_COLUMNS])
        if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId)
        if (after) {
          query = query.where((eb) =>
            eb.or([
              eb('created_at', '<', after.createdAt),
              eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
            ]),
          )
        }
        const rows = await query
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
        const items = rows.slice(0, limit).map(keyFromRow)
        const last = items[items.length - 1]
        const nextCursor =
          rows.length > limit && last
            ? encodeCursor({ createdAt: last.createdAt.getTime(), id: last.id })
            : null
        return { items, nextCursor }
      })
    },

    async updateKey(id, patch: KeyPatch) {
      assertKeyDates(patch)
      return guarded('update a key', async (ready) => {
        // A new balance goes to every key of the key's limit group, in one transaction.
        if (patch.remaining !== undefined || patch.lastRefillAt !== undefined) {
          return ready.groups.updateCredits(id, patch)
        }
        const update = ready.q.updateTable(names.keys).set(patchColumns(patch)).where('id', '=', id)
        if (dialect() === 'mysql') {
          await update.execute()
          return ready.byId(id)
        }
        const row = await update.returning([...KEY_COLUMNS]).executeTakeFirst()
        return row ? keyFromRow(row) : null
      })
    },

    async rollKey(key, oldId, patch) {
      assertKeyDates(key)
      assertKeyDates(patch)
      return guarded('roll a key', (ready) => ready.groups.rollKey(key, oldId, patch))
    },

    async deleteKey(id) {
      return guarded('delete a key', async ({ q }) => {
        const found = await q
          .selectFrom(names.keys)
          .select('limit_id')
          .where('id', '=', id)
          .executeTakeFirst()
        const result = await q.deleteFrom(names.keys).where('id', '=', id).executeTakeFirst()
        // The counters belong to the key, or to its limit group while any key of it is left.
        const counter = (found?.limit_id as string | null | undefined) ?? id
        await q
          .deleteFrom(names.rateWindows)
          .where('key_id', '=', counter)
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom(names.keys).select('id').where('limit_id', '=', counter))),
          )
          .execute()
        return result.numDeletedRows > 0n
      })
    },

    async consumeKey(id, request) {
      return guarded('update the usage-limit counters', (ready) => ready.consume(id, request))
    },

    async touchKeys(entries) {
      if (entries.length === 0) return
      await guarded('write last-used times', ({ q }) => touchAll(q, newestPerId(entries)))
    },

    async putSecret(record: SecretRecord, { ifCiphertext } = {}) {
      return guarded('write a secret', async ({ q }) => {
        const { scope, provider, ...rest } = secretToRow(record)
        if (ifCiphertext !== undefined) {
          const result = await q
            .updateTable(names.secrets)
            .set(rest)
            .where('scope', '=', scope)
            .where('provider', '=', provider)
            .where('ciphertext', '=', ifCiphertext)
            .executeTakeFirst()
          return result.numUpdatedRows > 0n
        }
        const insert = q.insertInto(names.secrets).values({ scope, provider, ...rest })
        await (dialect() === 'mysql'
          ? insert.onDuplicateKeyUpdate(rest)
          : insert.onConflict((oc) => oc.columns(['scope', 'provider']).doUpdateSet(rest))
        ).execute()
        return true
      })
    },

    async getSecret(scope, provider) {
      return guarded('read a secret', async ({ q }) => {
        const row = await q
          .selectFrom(names.secrets)
          .selectAll()
          .where('scope', '=', scope)
          .where('provider', '=', provider)
          .executeTakeFirst()
        return row ? secretFromRow(row) : null
      })
    },

    async listSecrets(scope) {
      return guarded('list secrets', async ({ q }) => {
        const rows = await q
          .selectFrom(names.secrets)
          .selectAll()
          .where('scope', '=', scope)
          .orderBy('provider')
          .execute()
        return rows.map(secretFromRow)
      })
    },

    async deleteSecret(scope, provider, options) {
      const bound = expiryBound(options)
      return guarded('delete a secret', async ({ q }) => {
        let query = q.deleteFrom(names.secrets).where('scope', '=', scope).where('provider', '=', provider)
        // One statement: a value set again after the caller saw it expired no longer matches.
        if (bound !== undefined)
          query = query.where('expires_at', 'is not', null).where('expires_at', '<=', bound)
        const result = await query.executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },

    async clearSecrets(scope) {
      return guarded('clear secrets', async ({ q }) => {
        const result = await q.deleteFrom(names.secrets).where('scope', '=', scope).executeTakeFirst()
        return Number(result.numDeletedRows)
      })
    },

    async scanSecrets({ limit, cursor }) {
      const after = cursor ? decodeScanCursor(cursor) : null
      return guarded('scan secrets', async ({ q }) => {
        let query = q.selectFrom(names.secrets).selectAll()
        if (after) {
          const [scope, provider] = after
          query = query.where((eb) =>
            eb.or([
              eb('scope', '>', scope),
              eb.and([eb('scope', '=', scope), eb('provider', '>', provider)]),
            ]),
          )
        }
        const rows = await query
          .orderBy('scope')
          .orderBy('provider')
          .limit(limit + 1)
          .execute()
        const items = rows.slice(0, limit).map(secretFromRow)
        const last = items[items.length - 1]
        return {
          items,
          nextCursor: rows.length > limit && last ? encodeScanCursor(last.scope, last.provider) : null,
        }
      })
    },

    async close() {
      if (closed) return
      closed = true
      state = null
      const c = connected ?? (connecting ? await connecting.catch(() => null) : null)
      if (c?.owned) await c.db.destroy()
    },
  }
  if (declared === 'sqlite')
    store.dataVersion = () => guarded('read data_version', ({ q }) => readDataVersion(q))
  internals.set(store, { migrate })
  return store
}
