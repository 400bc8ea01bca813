import type { MigrationResult } from 'kysely'
import { ConfigError } from '../../errors.js'
import type { AuditStore } from '../audit-types.js'
import { decodeCursor, keyPosition, pageFrom } from '../cursor.js'
import { assertKeyDates } from '../dates.js'
import type { NoticeStore } from '../notice-types.js'
import type { KeyPatch, KeyStore, SecretStore, TouchEntry } from '../types.js'
import type { UsageStore } from '../usage-types.js'
import type { WebhookStore } from '../webhook-types.js'
import { auditMethods } from './audit.js'
import { resolveConnection } from './connection.js'
import type { SqliteChangeMarker } from './data-version.js'
import { keyConflict } from './errors.js'
import { lifecycle } from './lifecycle.js'
import { tableNames } from './migrations.js'
import { noticeMethods, noticesTableName } from './notices.js'
import type { SqlConnection, SqlStoreOptions } from './options.js'
import { newestFirst } from './page.js'
import { KEY_COLUMNS, keyFromRow, keyToRow, patchColumns } from './rows.js'
import { searchMethod } from './search.js'
import { secretMethods } from './secrets.js'
import { sqlUsage } from './usage.js'
import { webhookMethods } from './webhooks.js'

export type SqlStore = KeyStore &
  Required<Pick<KeyStore, 'searchKeys'>> &
  SecretStore &
  AuditStore &
  NoticeStore &
  UsageStore &
  WebhookStore &
  SqliteChangeMarker

const migrators = new WeakMap<object, () => Promise<MigrationResult[]>>()

/** Runs pending migrations for a store made with `migrate: 'manual'` (harmless with 'auto'). */
export async function migrateToLatest(store: SqlStore): Promise<MigrationResult[]> {
  const migrate = migrators.get(store)
  if (!migrate) throw new ConfigError('migrateToLatest: pass a store returned by sqlStore()')
  return migrate()
}

function newestPerId(entries: TouchEntry[]): Array<[string, number]> {
  const newest = new Map<string, number>()
  for (const { id, lastUsedAt } of entries) {
    const at = lastUsedAt.getTime()
    if (!(at <= (newest.get(id) ?? Number.NEGATIVE_INFINITY))) newest.set(id, at)
  }
  return [...newest]
}

/**
 * Issued keys and vault secrets in SQLite, PostgreSQL or MySQL/MariaDB through Kysely.
 * `sqlStore({ url: 'sqlite:keys.db' })`, `sqlStore({ url: 'postgres://…' }, { schema: 'auth' })`,
 * `sqlStore({ db: appKysely })`. It connects (and with `migrate: 'auto'` migrates) at first use.
 * What differs between the engines lives in dialects/; this is the flow they share.
 */
export function sqlStore(
  connection: SqlConnection & SqlStoreOptions,
  options: SqlStoreOptions = {},
): SqlStore {
  const resolved = resolveConnection(connection, options)
  const { dialect } = resolved
  const { schema, tablePrefix } = resolved.options
  const names = tableNames(tablePrefix)
  const life = lifecycle(resolved, names)
  const { guarded } = life
  const keysTable = schema ? `${schema}.${names.keys}` : names.keys

  const store: SqlStore = {
    async createKey(key) {
      assertKeyDates(key)
      await guarded('create a key', async ({ q }) => {
        try {
          await q.insertInto(names.keys).values(keyToRow(key)).execute()
        } catch (error) {
          throw dialect.isUniqueViolation(error) ? keyConflict(error, key.id) : error
        }
      })
    },

    getKeyByHash: life.byHash,

    async getKeyById(id) {
      return guarded('read a key by id', (ready) => ready.byId(id))
    },

    async listKeys({ ownerId, limit, cursor }) {
      const after = cursor ? decodeCursor(cursor) : null
      return guarded('list keys', async ({ q }) => {
        let query = q.selectFrom(names.keys).select([...KEY_COLUMNS])
        if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId)
        const rows = await newestFirst(query, 'created_at', after, limit).execute()
        return pageFrom(rows.map(keyFromRow), limit, keyPosition)
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
        if (!dialect.returning) {
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
      // Raw SQL in the dialect: the table is named with its schema.
      await guarded('write last-used times', ({ q }) => dialect.touch(q, keysTable, newestPerId(entries)))
    },

    searchKeys: searchMethod(life, names.keys),

    ...secretMethods(life, names.secrets, dialect),
    ...noticeMethods(life, noticesTableName(tablePrefix), dialect),

    ...auditMethods(life, names.audit, dialect),
    ...sqlUsage(life, names.usage, dialect),
    ...webhookMethods(life, tablePrefix, dialect),

    close: life.close,
  }
  // A change marker for caches in front of a file other processes write to (cachedStore's `watch`).
  const { dataVersion } = dialect
  if (dataVersion) store.dataVersion = () => guarded('read data_version', ({ q }) => dataVersion(q))
  migrators.set(store, life.migrate)
  return store
}
