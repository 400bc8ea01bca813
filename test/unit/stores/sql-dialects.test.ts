import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../packages/keywarden/src/errors.js'
import { detectDialect, findDialect } from '../../../packages/keywarden/src/stores/sql/dialects/index.js'
import { printSchema, sqlStore } from '../../../packages/keywarden/src/stores/sql/index.js'

const SQL_DIR = fileURLToPath(new URL('../../../packages/keywarden/src/stores/sql', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

describe('SQL dialects', () => {
  it("tells each engine's Kysely apart by its adapter", () => {
    for (const name of ['sqlite', 'postgres', 'mysql'] as const) {
      const dialect = findDialect(name)
      expect(dialect?.name).toBe(name)
      expect(detectDialect((dialect as NonNullable<typeof dialect>).offline(), undefined).name).toBe(name)
    }
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    expect(detectDialect(db, undefined).name).toBe('sqlite')
  })

  it('refuses names that are not engines, including those every object has', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
    for (const name of ['oracle', 'constructor', 'toString', '__proto__']) {
      expect(findDialect(name)).toBeUndefined()
      expect(() => sqlStore({ db, dialect: name as never })).toThrow(ConfigError)
      expect(() => printSchema(name as never)).toThrow(ConfigError)
    }
    await db.destroy()
  })

  // Issue 12: what differs per engine lives in dialects/, once; the shared flow has no branches.
  it('keeps engine branches inside dialects/ and every file under 300 lines', () => {
    const branch = /[!=]==\s*['"](?:sqlite|postgres|mysql)['"]/
    for (const file of sources(SQL_DIR)) {
      const text = readFileSync(file, 'utf8')
      const name = relative(SQL_DIR, file)
      expect(text.split('\n').length, name).toBeLessThan(300)
      if (!name.startsWith('dialects')) expect(text, name).not.toMatch(branch)
    }
  })
})
