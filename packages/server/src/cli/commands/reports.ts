/** `keywarden usage <id>` (a terminal chart of a key's verifications) and `keywarden audit` (the audit log). */
import type { Command } from 'commander'
import {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  NotFoundError,
  type UsageGranularity,
} from 'keywarden'
import { totalsOf, usageChart } from '../chart.js'
import { table } from '../format.js'
import { UsageError } from '../io.js'
import { jsonOption, prefixOption, storeOptions } from '../options.js'
import { parseDuration, parsePositiveInt } from '../parse.js'
import { action, type Runtime } from '../runtime.js'

const SINCE = ['24h', '7d', '30d']
const DEFAULT_GRANULARITY: Record<string, UsageGranularity> = { '24h': 'hour', '7d': 'hour', '30d': 'day' }
const STEP: Record<UsageGranularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

function granularityOf(value: unknown, since: string): UsageGranularity {
  if (value === undefined) return DEFAULT_GRANULARITY[since] ?? 'hour'
  if (value === 'minute' || value === 'hour' || value === 'day') return value
  throw new UsageError('--granularity must be minute, hour or day')
}

/** `--since 24h` (a duration back from now) or `--since 2026-12-01` (an ISO date). */
function sinceOf(text: string): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text)
  if (/^\d+(ms|s|m|h|d|w)$/.test(text.trim())) return new Date(Date.now() - parseDuration(text, '--since'))
  throw new UsageError('--since must be a duration such as 24h or 7d, or an ISO date such as 2026-12-01')
}

function actorText(entry: AuditEntry): string {
  const { type, id, address } = entry.actor
  return [type, id, address ? `@${address}` : ''].filter(Boolean).join(' ')
}

export function reportCommands(program: Command, rt: Runtime): void {
  jsonOption(
    prefixOption(
      storeOptions(
        program
          .command('usage <id>')
          .description('chart one key’s verifications over time, with totals by outcome'),
      ),
    ),
  )
    .option('--since <range>', `how far back: ${SINCE.join(', ')} (default 24h)`)
    .option('--granularity <unit>', 'bucket size: minute, hour or day (default: hour; day for 30d)')
    .addHelpText('after', '\nExample:\n  $ keywarden usage key_01J… --since 7d')
    .action(
      action(rt, async ({ args, opts, context, print }) => {
        const since = (opts.since as string | undefined) ?? '24h'
        if (!SINCE.includes(since)) throw new UsageError(`--since must be one of ${SINCE.join(', ')}`)
        const granularity = granularityOf(opts.granularity, since)
        const warden = await context().warden()
        const id = args[0] as string
        const record = await warden.keys.get(id)
        if (!record) {
          throw new NotFoundError(`no key has id "${id}"; run \`keywarden keys list\` to find the right id`)
        }
        const step = STEP[granularity]
        const to = new Date(Math.ceil((Date.now() + 1) / step) * step)
        const from = new Date(to.getTime() - parseDuration(since, '--since'))
        const { buckets } = await warden.usage.query({ keyId: id, from, to, granularity })
        const unicode = (rt.io.stdout as { isTTY?: boolean }).isTTY === true
        print(
          { keyId: id, from, to, granularity, totals: totalsOf(buckets), buckets },
          () => `${record.name} (${id}), by ${granularity}:\n${usageChart(buckets, granularity, unicode)}`,
        )
        return 0
      }),
    )

  jsonOption(
    prefixOption(storeOptions(program.command('audit').description('list the audit log, newest first'))),
  )
    .option('--since <when>', 'only entries this recent: a duration (24h, 7d) or an ISO date (default: all)')
    .option('--action <action>', `only this action (${AUDIT_ACTIONS.join(', ')})`)
    .option('--target <id>', 'only entries about this key id or <scope>/<provider>')
    .option('--limit <n>', 'entries to show, 1-1000 (default 50)')
    .addHelpText('after', '\nExample:\n  $ keywarden audit --since 24h --action key.revoked')
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const limit = opts.limit === undefined ? 50 : parsePositiveInt(opts.limit, '--limit', 1000)
        const action = opts.action as string | undefined
        if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) {
          throw new UsageError(`--action must be one of ${AUDIT_ACTIONS.join(', ')}`)
        }
        const from = opts.since === undefined ? undefined : sinceOf(opts.since as string)
        const warden = await context().warden()
        const page = await warden.audit.list({
          limit,
          ...(from ? { from } : {}),
          ...(action ? { action: action as AuditAction } : {}),
          ...(opts.target !== undefined ? { targetId: opts.target as string } : {}),
        })
        print({ items: page.items, nextCursor: page.nextCursor }, () =>
          page.items.length === 0
            ? 'No entries.\n'
            : table(
                ['AT', 'ACTION', 'TARGET', 'ACTOR', 'REQUEST'],
                page.items.map((e) => [
                  e.at.toISOString(),
                  e.action,
                  e.target.id,
                  actorText(e),
                  e.requestId ?? '',
                ]),
              ),
        )
        if (!rt.json && page.nextCursor)
          note('More entries: narrow with --since, --action or --target, or raise --limit.')
        return 0
      }),
    )
}
