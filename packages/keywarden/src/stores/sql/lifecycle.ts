import type { Kysely, MigrationResult } from 'kysely'
import { StoreError } from '../../errors.js'
import type { StoredKey } from '../types.js'
import type { Resolved } from './connection.js'
import { kyselyConsumer } from './consume.js'
import { connectUrl } from './dialects/index.js'
import type { Connected, HotPath, KeyReads, Target } from './dialects/types.js'
import { toStoreError } from './errors.js'
import { kyselyGroups, type Names } from './groups.js'
import { runMigrations } from './migrate.js'
import { KEY_COLUMNS, keyFromRow } from './rows.js'

export interface Ready extends HotPath {
  /** Plugin-free Kysely with the configured schema applied. */
  q: Kysely<any>
}

export interface Lifecycle {
  /** Runs `work` on the open store; any failure becomes a KeywardenError saying what was being done. */
  guarded<T>(doing: string, work: (ready: Ready) => Promise<T>): Promise<T>
  /** getKeyByHash, without a closure per call. */
  byHash(hash: string): Promise<StoredKey | null>
  migrate(): Promise<MigrationResult[]>
  close(): Promise<void>
}

/** The shared Kysely path of the hot reads: compiled once, each call only swaps the parameter. */
function kyselyPath(q: Kysely<any>, c: Connected, names: Names, reads: KeyReads): HotPath {
  const run = async (query: KeyReads['byHash'], value: string) => {
    const { rows } = await c.db.executeQuery<Record<string, unknown>>({ ...query, parameters: [value] })
    const row = rows[0]
    return row ? keyFromRow(row) : null
  }
  return {
    consume: kyselyConsumer(q, c.dialect, names),
    groups: kyselyGroups(q, c.dialect, names),
    byHash: (hash) => run(reads.byHash, hash),
    byId: (id) => run(reads.byId, id),
  }
}

/**
 * Connects (and with `migrate: 'auto'` migrates) at first use, once, however many calls wait on it;
 * a failed attempt is tried again by the next call. Closing destroys only a Kysely the store made.
 */
export function lifecycle({ source, dialect, options }: Resolved, names: Names): Lifecycle {
  let target: Target = {
    dialect,
    where: 'url' in source ? 'the configured url' : 'the app database',
    secrets: [],
  }
  let connecting: Promise<Connected> | null = null
  let connected: Connected | null = null
  let opening: Promise<Ready> | null = null
  let state: Ready | null = null
  let closed = false
  let migrated: Promise<MigrationResult[]> | null = null
  const isClosed = () => new StoreError('sqlStore: this store is closed; create a new one')

  function connect(): Promise<Connected> {
    if (closed) return Promise.reject(isClosed())
    connecting ??= (async (): Promise<Connected> => {
      if ('db' in source) return { db: source.db.withoutPlugins(), dialect, target, owned: false }
      try {
        return await connectUrl(source.url, source.poolSize)
      } catch (error) {
        throw toStoreError(error, target, 'connect')
      }
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
    const { tablePrefix, schema } = options
    return runMigrations({
      db: c.db,
      dialect,
      tablePrefix,
      schema,
      target: c.target,
      migrationLock: c.migrationLock,
    })
  }

  async function prepare(): Promise<Ready> {
    const c = await connect()
    if (options.migrate === 'auto') {
      migrated ??= migrate().catch((error) => {
        migrated = null
        throw error
      })
      await migrated
    }
    const q = options.schema ? c.db.withSchema(options.schema) : c.db
    const select = (column: 'hash' | 'id') =>
      q
        .selectFrom(names.keys)
        .select([...KEY_COLUMNS])
        .where(column, '=', '')
        .compile()
    const reads = { byHash: select('hash'), byId: select('id') }
    return { q, ...(c.hotPath?.(q, names, reads) ?? kyselyPath(q, c, names, reads)) }
  }

  function open(): Promise<Ready> {
    if (closed) return Promise.reject(isClosed())
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

  return {
    async guarded(doing, work) {
      const ready = state && !closed ? state : await open()
      try {
        return await work(ready)
      } catch (error) {
        throw toStoreError(error, target, doing)
      }
    },
    async byHash(hash) {
      const ready = state && !closed ? state : await open()
      try {
        return await ready.byHash(hash)
      } catch (error) {
        throw toStoreError(error, target, 'read a key by hash')
      }
    },
    migrate,
    async close() {
      if (closed) return
      closed = true
      state = null
      const c = connected ?? (connecting ? await connecting.catch(() => null) : null)
      if (c?.owned) await c.db.destroy()
    },
  }
}
