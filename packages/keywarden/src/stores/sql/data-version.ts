import { type Kysely, sql } from 'kysely'

/** What a sqlStore on SQLite adds: a change marker for caches in front of it (cachedStore's `watch`). */
export interface SqliteChangeMarker {
  /**
   * SQLite's `PRAGMA data_version` on the store's own connection. It changes when another
   * connection (another process, the CLI) commits to the file, and never for this store's own
   * writes. Only on SQLite stores.
   */
  dataVersion?(): Promise<number>
}

/** One pragma, no table read: cheap enough to poll every few milliseconds. */
export async function readDataVersion(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ data_version: number | bigint }>`PRAGMA data_version`.execute(db)
  return Number(rows[0]?.data_version)
}
