import type { Command } from 'commander'

/** Where the data lives: the same settings as `keywarden serve`, flags winning over the environment. */
export function storeOptions(command: Command): Command {
  return command
    .option(
      '--database-url <url>',
      'sqlite:<file>, postgres://… or mysql://… (env KEYWARDEN_DATABASE_URL, default sqlite:./keywarden.db)',
    )
    .option('--table-prefix <name>', 'SQL table name prefix (env KEYWARDEN_TABLE_PREFIX, default keywarden_)')
    .option(
      '--redis-url <url>',
      'Redis cache tier with cross-instance invalidation (env KEYWARDEN_REDIS_URL; optional)',
    )
}

export function prefixOption(command: Command): Command {
  return command.option('--prefix <prefix>', 'prefix of issued keys (env KEYWARDEN_PREFIX, default kw)')
}

export function jsonOption(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON on stdout and nothing else')
}
