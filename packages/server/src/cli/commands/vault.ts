import type { Command } from 'commander'
import { cliChange } from '../context.js'
import { EXIT_FAILURE } from '../io.js'
import { jsonOption, storeOptions } from '../options.js'
import { parsePositiveInt } from '../parse.js'
import { createProgress } from '../progress.js'
import { action, type Runtime } from '../runtime.js'

export function vaultCommand(program: Command, rt: Runtime): void {
  const vault = program
    .command('vault')
    .description('manage the encrypted provider keys (BYOK) of your users')

  jsonOption(
    storeOptions(
      vault.command('rotate').description('re-encrypt every stored provider key under the current secret'),
    ),
  )
    .option(
      '--keyring <file>',
      'JSON keyring file {"current":"k2","keys":{"k1":"old…","k2":"new…"}} (env KEYWARDEN_KEYRING)',
    )
    .option('--page-size <n>', 'records per scan page (default 500)')
    .addHelpText(
      'after',
      `
To change the secret: put the old and the new one in a keyring with "current" naming the new one,
run rotate, then drop the old key once rotate reports no failures. Values that cannot be decrypted
(also a wrong secret under the current key id) are left untouched and listed (exit 1).
Progress goes to stderr: a bar on a terminal, lines otherwise.

Example:
  $ KEYWARDEN_KEYRING='{"current":"k2","keys":{"k1":"…","k2":"…"}}' keywarden vault rotate`,
    )
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const pageSize =
          opts.pageSize === undefined ? 500 : parsePositiveInt(opts.pageSize, '--page-size', 10_000)
        const ctx = context()
        const vaultInstance = await ctx.vault()
        const store = await ctx.store()
        // Count first so the bar has a total (one cheap scan, no decryption).
        let total = 0
        let cursor: string | null = null
        do {
          const page = await store.scanSecrets({ limit: 5000, cursor })
          total += page.items.length
          cursor = page.nextCursor
        } while (cursor)
        const progress = createProgress(rt.io, 'vault rotate')
        progress.update(0, total)
        let result: Awaited<ReturnType<typeof vaultInstance.rotate>>
        try {
          result = await vaultInstance.rotate({
            pageSize,
            ...cliChange(),
            onProgress: (p) => progress.update(p.scanned, total, `rotated ${p.rotated}`),
          })
        } finally {
          progress.stop()
        }
        print({ ...result, currentKeyId: vaultInstance.currentKeyId }, () => {
          const lines = [
            `scanned ${result.scanned}, rotated ${result.rotated}, already current ${result.upToDate}, changed meanwhile ${result.conflicts}, failed ${result.failed.length}`,
            ...result.failed.map((f) => `  failed ${f.scope} ${f.provider}: ${f.reason}`),
          ]
          return `${lines.join('\n')}\n`
        })
        if (!rt.json && result.failed.length > 0) {
          note(
            'Some values could not be decrypted with the keyring: add the secret they were written with and run rotate again.',
          )
        }
        return result.failed.length > 0 ? EXIT_FAILURE : 0
      }),
    )
}
