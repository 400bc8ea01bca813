import type { Command } from 'commander'
import type { ImportCjmByokReport, LitestarImportReport } from 'keywarden/import'
import { EXIT_FAILURE, UsageError } from '../io.js'
import { jsonOption, storeOptions } from '../options.js'
import { parsePositiveInt } from '../parse.js'
import { createProgress } from '../progress.js'
import { action, type Runtime } from '../runtime.js'

export function importCommand(program: Command, rt: Runtime): void {
  const imports = program
    .command('import')
    .description('bring keys over from litestar-api-auth or cjm-fasthtml-byok')

  jsonOption(
    storeOptions(
      imports
        .command('litestar')
        .description('copy the issued keys of a litestar-api-auth database; the old keys keep working'),
    ),
  )
    .requiredOption(
      '--from <url>',
      'the litestar-api-auth database: sqlite:./app.db, postgres://…, mysql://… (SQLAlchemy URLs work too)',
    )
    .option('--table <name>', 'its table (SQLAlchemyConfig.table_name), optionally schema.table', 'api_keys')
    .option('--legacy-prefix <prefix>', 'prefix shown on imported records', 'pyorg')
    .option('--batch-size <n>', 'rows per round trip (default 500)')
    .addHelpText(
      'after',
      `
Imported keys are marked legacy: they lack keywarden's checksum, so servers and \`keys verify\`
accept them only with KEYWARDEN_ACCEPT_LEGACY=1 (createKeywarden({ acceptLegacy: true })).
Running the import again skips keys already imported. Exit 1 when some rows failed (listed).

Example:
  $ keywarden import litestar --from postgresql+asyncpg://app@db/app --json`,
    )
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const batchSize =
          opts.batchSize === undefined ? 500 : parsePositiveInt(opts.batchSize, '--batch-size', 10_000)
        const progress = createProgress(rt.io, 'import litestar')
        const { importLitestarKeys } = await import('keywarden/import')
        let report: LitestarImportReport
        try {
          report = await importLitestarKeys({
            url: opts.from as string,
            table: opts.table as string,
            prefix: opts.legacyPrefix as string,
            batchSize,
            store: await context().keyStore(),
            onProgress: ({ done, total }) => progress.update(done, total),
          })
        } finally {
          progress.stop()
        }
        print(report, () =>
          [
            `read ${report.total}, imported ${report.imported}, already there ${report.skipped}, failed ${report.failed.length}`,
            ...report.failed.map((f) => `  failed ${f.id}: ${f.reason}`),
            '',
          ].join('\n'),
        )
        if (!rt.json && report.imported + report.skipped > 0) {
          note(
            'Verify imported keys with KEYWARDEN_ACCEPT_LEGACY=1 (createKeywarden({ acceptLegacy: true })).',
          )
        }
        return report.failed.length > 0 ? EXIT_FAILURE : 0
      }),
    )

  jsonOption(
    storeOptions(
      imports
        .command('cjm-byok')
        .description("move cjm-fasthtml-byok's encrypted provider keys into keywarden's vault"),
    ),
  )
    .requiredOption('--from <url>', 'its sqlite database: sqlite:<file> or SQLAlchemy sqlite:///relative.db')
    .option(
      '--app-secret-env <name>',
      'environment variable holding the secret_key the app used',
      'CJM_BYOK_SECRET',
    )
    .option('--table <name>', 'its table', 'user_api_keys')
    .option('--timezone <tz>', 'time zone of its naive created_at / expires_at', 'UTC')
    .addHelpText(
      'after',
      `
The values are decrypted with the app's secret (PBKDF2 + Fernet, as cjm-fasthtml-byok does) and
re-encrypted with keywarden's (KEYWARDEN_SECRET or KEYWARDEN_KEYRING). The app secret is read
from an environment variable, never from the command line. Expired values are skipped.
Exit 1 when some rows failed (listed, without values).

Example:
  $ CJM_BYOK_SECRET=… keywarden import cjm-byok --from sqlite:///app.db --json`,
    )
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const variable = opts.appSecretEnv as string
        const appSecret = rt.io.env[variable]
        if (!appSecret)
          throw new UsageError(`set ${variable} to the secret_key the cjm-fasthtml-byok app used`)
        const { importCjmByok } = await import('keywarden/import')
        const vault = await context().vault()
        // importCjmByok reports no progress of its own: announce the start and the end.
        note('import cjm-byok: reading and re-encrypting…')
        const report: ImportCjmByokReport = await importCjmByok({
          url: opts.from as string,
          appSecret,
          table: opts.table as string,
          timezone: opts.timezone as string,
          vault,
        })
        note(`import cjm-byok: done`)
        print(report, () =>
          [
            `imported ${report.imported}, expired (skipped) ${report.skippedExpired}, failed ${report.failed.length}`,
            ...report.failed.map((f) => `  failed ${f.id}: ${f.reason}`),
            '',
          ].join('\n'),
        )
        return report.failed.length > 0 ? EXIT_FAILURE : 0
      }),
    )
}
