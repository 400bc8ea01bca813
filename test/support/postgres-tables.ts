import pg from 'pg'
import { POSTGRES_URL } from './services.js'

/** Drops every table of the current schema whose name starts with `prefix` (a test's fresh table prefix). */
export async function dropPostgresTables(prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    const { rows } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1',
      [`${prefix.replace(/_/g, '\\_')}%`],
    )
    for (const { table_name } of rows) await client.query(`DROP TABLE IF EXISTS "${table_name}" CASCADE`)
  } finally {
    await client.end()
  }
}

export interface HeldTable {
  /** Resolves once `count` other sessions wait for the table; rejects after `timeoutMs`. */
  waiters(count: number, timeoutMs?: number): Promise<void>
  /** Lets every waiter through at the same moment. */
  release(): Promise<void>
}

/**
 * Locks a table (ACCESS EXCLUSIVE, in an open transaction) so every query on it waits: a test
 * lines several instances up at the same statement, then releases them together to make a race
 * happen deterministically.
 */
export async function holdTable(table: string): Promise<HeldTable> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  await client.query('BEGIN')
  await client.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`)
  let released = false
  return {
    async waiters(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const { rows } = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = $1 AND NOT l.granted',
          [table],
        )
        if (Number(rows[0]?.n) >= count) return
        if (Date.now() > deadline) throw new Error(`fewer than ${count} sessions waited for ${table}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    async release() {
      if (released) return
      released = true
      try {
        await client.query('ROLLBACK')
      } finally {
        await client.end()
      }
    },
  }
}
