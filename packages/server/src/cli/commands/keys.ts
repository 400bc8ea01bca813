import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import { type ApiKeyRecord, NotFoundError } from 'keywarden'
import { cliChange } from '../context.js'
import { describeKey, keyRows } from '../format.js'
import { EXIT_FAILURE, UsageError } from '../io.js'
import { jsonOption, prefixOption, storeOptions } from '../options.js'
import { collectList, parseDuration, parseJsonObject, parsePositiveInt, parseWhen } from '../parse.js'
import { action, type Runtime } from '../runtime.js'

const ONE_TIME_NOTE = 'Store this key now: it is shown once and cannot be recovered (only its hash is kept).'

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += chunk.toString()
  return text.trim()
}

async function confirm(rt: Runtime, question: string): Promise<boolean> {
  const rl = createInterface({ input: rt.io.stdin, output: rt.io.stderr as NodeJS.WritableStream })
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
  } finally {
    rl.close()
  }
}

function leaf(parent: Command, spec: string, description: string): Command {
  return jsonOption(prefixOption(storeOptions(parent.command(spec).description(description))))
}

export function keysCommand(program: Command, rt: Runtime): void {
  const keys = program
    .command('keys')
    .description('issue and manage API keys: create, list, show, revoke, roll, delete, verify')

  leaf(keys, 'create', 'issue a key; prints the plaintext key once (on stdout), never again')
    .requiredOption('--name <name>', 'a label for people (1-128 characters)')
    .option('--owner <id>', 'owner id (user, team, tenant)')
    .option(
      '--scopes <scopes>',
      'scopes as resource:action, comma- or space-separated; repeatable',
      collectList,
    )
    .option('--expires <when>', 'a duration from now (30d, 12h) or an ISO date; default never')
    .option('--metadata <json>', 'a JSON object kept with the key')
    .addHelpText(
      'after',
      '\nExample:\n  $ keywarden keys create --name "billing worker" --owner team-7 --scopes invoices:read --expires 90d',
    )
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const input = {
          name: opts.name as string,
          ...(opts.owner !== undefined ? { ownerId: opts.owner as string } : {}),
          ...(opts.scopes ? { scopes: opts.scopes as string[] } : {}),
          ...(opts.metadata !== undefined ? { metadata: parseJsonObject(opts.metadata, '--metadata') } : {}),
          ...(opts.expires !== undefined
            ? { expiresAt: parseWhen(opts.expires, '--expires', new Date()) }
            : {}),
        }
        const { key, record } = await (await context().warden()).keys.create(input, cliChange())
        print({ key, record }, () => `${key}\n`)
        if (!rt.json) note(`Created ${record.id} ("${record.name}"). ${ONE_TIME_NOTE}`)
        return 0
      }),
    )

  leaf(keys, 'list', 'list keys, newest first (never shows keys or hashes)')
    .option('--owner <id>', 'only this owner’s keys')
    .option('--limit <n>', 'keys per page, 1-1000 (default 50)')
    .option('--cursor <cursor>', 'continue from a previous page’s nextCursor')
    .option('--all', 'follow every page')
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const limit = opts.limit === undefined ? 50 : parsePositiveInt(opts.limit, '--limit', 1000)
        const warden = await context().warden()
        const items: ApiKeyRecord[] = []
        let cursor: string | null = (opts.cursor as string | undefined) ?? null
        do {
          const page = await warden.keys.list({
            limit,
            cursor,
            ...(opts.owner !== undefined ? { ownerId: opts.owner as string } : {}),
          })
          items.push(...page.items)
          cursor = page.nextCursor
        } while (opts.all && cursor)
        print({ items, nextCursor: cursor }, () => (items.length ? keyRows(items) : 'No keys.\n'))
        if (!rt.json && cursor) note(`More keys: --cursor ${cursor} (or --all)`)
        return 0
      }),
    )

  leaf(keys, 'show <id>', 'show one key’s record').action(
    action(rt, async ({ args, context, print }) => {
      const record = await (await context().warden()).keys.get(args[0] as string)
      if (!record)
        throw new NotFoundError(
          `no key has id "${args[0]}"; run \`keywarden keys list\` to find the right id`,
        )
      print({ key: record }, () => describeKey(record))
      return 0
    }),
  )

  leaf(keys, 'revoke <id>', 'revoke a key at once (it stays listed, verification answers REVOKED)').action(
    action(rt, async ({ args, context, print, note }) => {
      const record = await (await context().warden()).keys.revoke(args[0] as string, cliChange())
      print({ key: record }, () => describeKey(record))
      if (!rt.json) note(`Revoked ${record.id}.`)
      return 0
    }),
  )

  leaf(keys, 'roll <id>', 'replace a key with a new one of the same settings; prints the new key once')
    .option('--expire-old-in <duration>', 'keep the old key working this long (e.g. 24h); default: ends now')
    .action(
      action(rt, async ({ args, opts, context, print, note }) => {
        const expireOldInMs =
          opts.expireOldIn === undefined ? 0 : parseDuration(opts.expireOldIn, '--expire-old-in')
        const { key, record, previous } = await (await context().warden()).keys.roll(args[0] as string, {
          expireOldInMs,
          ...cliChange(),
        })
        print({ key, record, previous }, () => `${key}\n`)
        if (!rt.json) {
          note(
            `Rolled ${previous.id} into ${record.id}; the old key ends ${previous.expiresAt?.toISOString()}. ${ONE_TIME_NOTE}`,
          )
        }
        return 0
      }),
    )

  leaf(keys, 'delete <id>', 'delete a key for good (asks first on a terminal; --yes otherwise)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(rt, async ({ args, opts, context, print, note }) => {
        const id = args[0] as string
        if (!opts.yes) {
          if (!rt.io.stdin.isTTY) throw new UsageError('keys delete needs --yes when not run on a terminal')
          if (!(await confirm(rt, `Delete key ${id} for good?`))) {
            note('Nothing deleted.')
            return EXIT_FAILURE
          }
        }
        await (await context().warden()).keys.delete(id, cliChange())
        print({ deleted: id }, () => `Deleted ${id}\n`)
        return 0
      }),
    )

  leaf(keys, 'verify [key]', 'check a key as the server would; exit 0 when valid, 1 when not')
    .option(
      '--scopes <scopes>',
      'scopes the key must hold, comma- or space-separated; repeatable',
      collectList,
    )
    .option('--any', 'one of --scopes is enough (default: all of them)')
    .option(
      '--accept-legacy',
      'also accept imported keys without keywarden’s checksum (env KEYWARDEN_ACCEPT_LEGACY=1)',
    )
    .addHelpText(
      'after',
      '\nPass the key on stdin (or as "-") to keep it out of your shell history and the process list:\n  $ printenv API_KEY | keywarden keys verify --scopes users:read',
    )
    .action(
      action(rt, async ({ args, opts, context, print }) => {
        let key = args[0]
        if (key === undefined || key === '-') {
          if (key === undefined && rt.io.stdin.isTTY)
            throw new UsageError('keys verify needs a key argument or the key on stdin')
          key = await readStdin(rt.io.stdin)
        }
        const result = await (await context().warden()).keys.verify(key, {
          ...(opts.scopes ? { scopes: opts.scopes as string[] } : {}),
          requirement: opts.any ? 'any' : 'all',
        })
        print(result, () =>
          result.valid
            ? `valid: ${result.key.id} ("${result.key.name}")\n`
            : `invalid: ${result.code}${result.key ? ` (${result.key.id})` : ''}${'missingScopes' in result && result.missingScopes ? `; missing ${result.missingScopes.join(' ')}` : ''}\n`,
        )
        return result.valid ? 0 : EXIT_FAILURE
      }),
    )
}
