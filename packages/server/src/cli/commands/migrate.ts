import type { Command } from 'commander'
import type { SqlDialectName } from 'keywarden/stores/sql'
import { UsageError } from '../io.js'
import { jsonOption, storeOptions } from '../options.js'
import { action, type Runtime } from '../runtime.js'

export function dialectOf(databaseUrl: string): SqlDialectName {
  if (databaseUrl.startsWith('sqlite:')) return 'sqlite'
  if (/^postgres(ql)?:/.test(databaseUrl)) return 'postgres'
  return 'mysql'
}

export function migrateCommand(program: Command, rt: Runtime): void {
  jsonOption(
    storeOptions(
      program
        .command('migrate')
        .description(
          'create or update the SQL tables (idempotent; safe to run from several processes at once)',
        ),
    ),
  )
    .option('--print-sql', 'print the DDL instead of running it (for migrating with your own tool)')
    .option(
      '--dialect <dialect>',
      'with --print-sql: sqlite, postgres or mysql (default: from the database URL)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ keywarden migrate\n  $ keywarden migrate --print-sql --dialect postgres > schema.sql',
    )
    .action(
      action(rt, async ({ opts, config, context, print }) => {
        const { databaseUrl, tablePrefix } = config()
        if (opts.printSql) {
          const dialect = (opts.dialect ?? dialectOf(databaseUrl)) as SqlDialectName
          if (!['sqlite', 'postgres', 'mysql'].includes(dialect)) {
            throw new UsageError('--dialect must be sqlite, postgres or mysql')
          }
          const { printSchema } = await import('keywarden/stores/sql')
          const sql = printSchema(dialect, tablePrefix ? { tablePrefix } : {})
          print({ dialect, sql }, () => sql)
          return 0
        }
        if (opts.dialect !== undefined) throw new UsageError('--dialect only goes with --print-sql')
        const { migrateToLatest } = await import('keywarden/stores/sql')
        const results = await migrateToLatest(await context().store({ migrate: 'manual' }))
        const migrations = results.map((r) => ({ name: r.migrationName, status: r.status }))
        print({ applied: migrations }, () =>
          migrations.length === 0
            ? 'The database is up to date.\n'
            : migrations.map((m) => `${m.status === 'Success' ? 'applied' : m.status}: ${m.name}\n`).join(''),
        )
        return 0
      }),
    )
}
