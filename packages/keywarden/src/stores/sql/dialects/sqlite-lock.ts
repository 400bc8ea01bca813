import { type Dialect, type Kysely, SqliteAdapter, SqliteDialect, sql } from 'kysely'

/**
 * Kysely's Migrator calls acquire/release around the pending migrations on one connection.
 * For SQLite that becomes one IMMEDIATE transaction: a second process waits on busy_timeout,
 * then sees the migrations recorded. A failed migration rolls the whole run back.
 */
export class SqliteMigrationLock {
  #active = false
  #failed = false

  markFailed(): void {
    this.#failed = true
  }

  adapter(): SqliteAdapter {
    const lock = this
    return new (class extends SqliteAdapter {
      override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
        await sql`begin immediate`.execute(db)
        lock.#active = true
        lock.#failed = false
      }
      override async releaseMigrationLock(db: Kysely<any>): Promise<void> {
        if (!lock.#active) return
        lock.#active = false
        await sql.raw(lock.#failed ? 'rollback' : 'commit').execute(db)
      }
    })()
  }
}

/**
 * SQLite's Kysely adapter takes no migration lock (one connection per process). Two processes on
 * one file need one, so migrations run inside BEGIN IMMEDIATE, which waits on busy_timeout.
 */
export class LockingSqliteDialect extends SqliteDialect implements Dialect {
  readonly #lock: SqliteMigrationLock
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0], lock: SqliteMigrationLock) {
    super(config)
    this.#lock = lock
  }
  override createAdapter() {
    return this.#lock.adapter()
  }
}
