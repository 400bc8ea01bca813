import { Command } from 'commander'
import { doctorCommand } from './commands/doctor.js'
import { importCommand } from './commands/import.js'
import { keysCommand } from './commands/keys.js'
import { migrateCommand } from './commands/migrate.js'
import { reportCommands } from './commands/reports.js'
import { serveCommand } from './commands/serve.js'
import { vaultCommand } from './commands/vault.js'
import { webhooksCommand } from './commands/webhooks.js'
import type { Runtime } from './runtime.js'

export const VERSION = '0.1.0'

const FOOTER = `
Environment (shared with \`keywarden serve\`; flags win):
  KEYWARDEN_DATABASE_URL   sqlite:<file> | postgres://… | mysql://…  (default sqlite:./keywarden.db)
  KEYWARDEN_TABLE_PREFIX   SQL table name prefix (default keywarden_)
  KEYWARDEN_REDIS_URL      Redis cache tier / cross-instance invalidation (optional)
  KEYWARDEN_SECRET         vault secret, 32+ random bytes (development: .keywarden/secret)
  KEYWARDEN_KEYRING        JSON keyring {"current":"k2","keys":{…}} for vault rotate
  KEYWARDEN_PREFIX         prefix of issued keys (default kw)
  KEYWARDEN_ACCEPT_LEGACY  1 to verify keys imported from litestar-api-auth

Exit codes:
  0  success (keys verify: the key is valid)
  1  failure: an error, a key that does not verify, failed rows or checks
  2  usage: unknown command or option, missing or invalid argument

Every command that prints data takes --json: one JSON document on stdout, nothing else.
Only \`keys create\` and \`keys roll\` ever print a plaintext key, once. See docs/cli.md.`

export function createProgram(rt: Runtime): Command {
  const program = new Command('keywarden')
    .description(
      'API keys in both directions: issue and verify your API’s keys, keep your users’ provider keys',
    )
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => rt.io.stdout.write(text),
      writeErr: (text) => rt.io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', FOOTER)
  serveCommand(program, rt)
  migrateCommand(program, rt)
  keysCommand(program, rt)
  vaultCommand(program, rt)
  reportCommands(program, rt)
  webhooksCommand(program, rt)
  importCommand(program, rt)
  doctorCommand(program, rt)
  return program
}
