import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'
import type { SqlStoreOptions } from '../../packages/keywarden/src/stores/sql/index.js'
import { MYSQL_URL, POSTGRES_URL, type Service, uniqueName } from '../support/services.js'

export type EngineName = 'sqlite-file' | 'sqlite-memory' | 'postgres' | 'mysql'

/** One fresh place to keep tables: its URL, store options, and how to remove it afterwards. */
export interface Place {
  url: string
  options: SqlStoreOptions
  service: Service | null
  cleanup(): Promise<void>
}

const TABLES = [
  'keys',
  'secrets',
  'rate_windows',
  'audit',
  'notices',
  'usage',
  'webhooks',
  'webhook_deliveries',
  'webhook_attempts',
  'migrations',
  'migrations_lock',
]

export function adminDb(engine: 'postgres' | 'mysql'): Kysely<any> {
  return engine === 'postgres'
    ? new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }) }),
      })
    : new Kysely({
        dialect: new MysqlDialect({ pool: mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 }) }),
      })
}

export function freshPlace(engine: EngineName, label = 'kwsql'): Place {
  const tablePrefix = `${uniqueName(label)}_`
  if (engine === 'sqlite-memory') {
    return { url: 'sqlite::memory:', options: { tablePrefix }, service: null, async cleanup() {} }
  }
  if (engine === 'sqlite-file') {
    const file = join(tmpdir(), `${uniqueName('keywarden')}.db`)
    return {
      url: `sqlite:${file}`,
      options: { tablePrefix },
      service: null,
      async cleanup() {
        for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true })
      },
    }
  }
  if (engine === 'postgres') {
    const schema = uniqueName('kwsql')
    return {
      url: POSTGRES_URL,
      options: { tablePrefix, schema },
      service: 'postgres',
      async cleanup() {
        const db = adminDb('postgres')
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db)
        await db.destroy()
      },
    }
  }
  return {
    url: MYSQL_URL,
    options: { tablePrefix },
    service: 'mysql',
    async cleanup() {
      const db = adminDb('mysql')
      for (const table of TABLES)
        await sql`drop table if exists ${sql.table(tablePrefix + table)}`.execute(db)
      await db.destroy()
    },
  }
}

/** Names of the tables that carry a prefix, as the engine lists them. */
export async function tablesWithPrefix(engine: 'postgres' | 'mysql', place: Place): Promise<string[]> {
  const db = adminDb(engine)
  try {
    const prefix = place.options.tablePrefix as string
    const rows =
      engine === 'postgres'
        ? (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = ${place.options.schema}`.execute(db)
          ).rows
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = database() and table_name like ${`${prefix}%`}`.execute(db)
          ).rows
    return rows.map((r) => r.name).sort()
  } finally {
    await db.destroy()
  }
}
