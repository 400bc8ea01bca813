import { closeSync, openSync } from 'node:fs'
import { type Importer, loadDriver } from '../driver.js'

/** The part of better-sqlite3's Database the store uses. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  pragma(source: string): unknown
  close(): unknown
  /** better-sqlite3's transaction wrapper; `.immediate` runs it inside BEGIN IMMEDIATE. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): { immediate(...args: A): R }
}
export interface SqliteStatement {
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): unknown
  raw(toggle?: boolean): SqliteStatement
}

const BUSY_TIMEOUT_MS = 10_000

/** SQLITE_BUSY from better-sqlite3 (its `code`), or as a message from a driver that keeps only that. */
export function isSqliteBusy(error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code === 'SQLITE_BUSY') return true
  return /SQLITE_BUSY|database is locked/i.test(String((error as Error | null)?.message ?? error))
}

/**
 * `journal_mode = WAL` answers SQLITE_BUSY at once, without waiting on busy_timeout, while another
 * connection holds a lock: two processes opening one new file together hit it. Retry until the
 * busy timeout has passed.
 */
async function switchToWal(sqlite: SqliteDatabase): Promise<void> {
  const giveUpAt = Date.now() + BUSY_TIMEOUT_MS
  for (let attempt = 1; ; attempt++) {
    try {
      sqlite.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= giveUpAt) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * attempt) + Math.random() * 10))
    }
  }
}

/**
 * Creates a new database file readable by its owner only, before SQLite would create it 0644:
 * SQLite gives the -wal and -shm files the mode of the database file. An existing file is left
 * as it is; any failure here is left for SQLite's own open to report.
 */
function createPrivateFile(path: string): void {
  if (path === ':memory:' || path.startsWith('file:')) return
  try {
    closeSync(openSync(path, 'wx', 0o600))
  } catch {}
}

/** Opens a better-sqlite3 database: owner-only file, 10 s busy timeout, WAL (files only). */
export async function openDatabase(path: string, importer?: Importer): Promise<SqliteDatabase> {
  const Database = await loadDriver('better-sqlite3', 'sqlite:', importer)
  createPrivateFile(path)
  try {
    const sqlite = new Database(path) as SqliteDatabase
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    if (path !== ':memory:') await switchToWal(sqlite)
    return sqlite
  } catch (cause) {
    const reason = (cause as { code?: string })?.code ?? (cause as Error)?.message
    throw Object.assign(new Error(`cannot open sqlite database at ${path} (${reason})`), { cause })
  }
}
