import type { Command } from 'commander'
import type { WebhookEndpoint, WebhookEventType } from 'keywarden/webhooks'
import { table } from '../format.js'
import { jsonOption, storeOptions } from '../options.js'
import { collectList, parsePositiveInt } from '../parse.js'
import { action, type Runtime } from '../runtime.js'

const ONE_TIME_NOTE = 'Store this secret now (whsec_…): it is shown once; receivers check signatures with it.'

function leaf(parent: Command, spec: string, description: string): Command {
  return jsonOption(storeOptions(parent.command(spec).description(description)))
}

const date = (value: Date | null) => (value ? value.toISOString() : '-')

export function webhooksCommand(program: Command, rt: Runtime): void {
  const webhooks = program
    .command('webhooks')
    .description('signed webhooks: add, list, rm endpoints; show deliveries; redeliver')

  leaf(webhooks, 'add', 'add an endpoint; prints its whsec_ secret once (on stdout)')
    .requiredOption('--url <url>', 'http(s) URL that receives the POSTs')
    .requiredOption(
      '--events <types>',
      'event types, comma- or space-separated (key.created, …); repeatable',
      collectList,
    )
    .option('--description <text>', 'a note for people')
    .addHelpText(
      'after',
      '\nExample:\n  $ keywarden webhooks add --url https://example.com/hooks --events key.created,key.revoked',
    )
    .action(
      action(rt, async ({ opts, context, print, note }) => {
        const hooks = await context().webhooks()
        const { endpoint, secret } = await hooks.create(
          {
            url: opts.url as string,
            events: opts.events as WebhookEventType[],
            ...(opts.description !== undefined ? { description: opts.description as string } : {}),
          },
          { actor: { type: 'cli' } },
        )
        print({ ...endpoint, secret }, () => `${secret}\n`)
        if (!rt.json) note(`Added ${endpoint.id} (${endpoint.url}). ${ONE_TIME_NOTE}`)
        return 0
      }),
    )

  leaf(webhooks, 'list', 'list endpoints, newest first (never shows secrets)').action(
    action(rt, async ({ context, print }) => {
      const hooks = await context().webhooks()
      const items: WebhookEndpoint[] = []
      let cursor: string | null = null
      do {
        const page = await hooks.list({ limit: 1000, cursor })
        items.push(...page.items)
        cursor = page.nextCursor
      } while (cursor)
      print({ items }, () =>
        table(
          ['ID', 'URL', 'EVENTS', 'DESCRIPTION'],
          items.map((w) => [w.id, w.url, w.events.join(' '), w.description ?? '-']),
        ),
      )
      return 0
    }),
  )

  leaf(webhooks, 'rm <id>', 'delete an endpoint with its pending deliveries and log').action(
    action(rt, async ({ args, context, print, note }) => {
      const id = args[0] as string
      await (await context().webhooks()).delete(id, { actor: { type: 'cli' } })
      print({ deleted: id }, () => '')
      if (!rt.json) note(`Deleted ${id}.`)
      return 0
    }),
  )

  leaf(webhooks, 'deliveries <id>', 'an endpoint’s delivery log, newest first: one line per attempt')
    .option('--limit <n>', 'attempts to show, 1-1000 (default 50)')
    .action(
      action(rt, async ({ args, opts, context, print }) => {
        const limit = opts.limit === undefined ? 50 : parsePositiveInt(opts.limit, '--limit', 1000)
        const page = await (await context().webhooks()).deliveries(args[0] as string, { limit })
        print(page, () =>
          table(
            ['AT', 'DELIVERY', 'EVENT', 'ATTEMPT', 'STATUS', 'MS', 'ERROR'],
            page.items.map((a) => [
              date(a.at),
              a.deliveryId,
              a.eventType,
              String(a.attempt),
              a.responseStatus === null ? '-' : String(a.responseStatus),
              String(a.durationMs),
              a.error ?? '-',
            ]),
          ),
        )
        return 0
      }),
    )

  leaf(
    webhooks,
    'redeliver <deliveryId>',
    'queue a delivery again now (a running server delivers it)',
  ).action(
    action(rt, async ({ args, context, print, note }) => {
      const delivery = await (await context().webhooks()).redeliver(args[0] as string)
      const { payload: _payload, ...shown } = delivery
      print(shown, () => '')
      if (!rt.json) note(`Queued ${delivery.id} (${delivery.eventType}) again.`)
      return 0
    }),
  )
}
