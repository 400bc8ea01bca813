import type { Command } from 'commander'
import { describeError } from 'keywarden'
import type { ServerFlags } from '../../index.js'
import { UsageError } from '../io.js'
import { prefixOption, storeOptions } from '../options.js'
import { parsePositiveInt } from '../parse.js'
import { action, type Runtime } from '../runtime.js'

export function serveCommand(program: Command, rt: Runtime): void {
  prefixOption(storeOptions(program.command('serve').description('run the key server with its dashboard')))
    .option('--port <port>', 'port to listen on (env PORT, default 3000; 0 picks a free one)')
    .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
    .addHelpText(
      'after',
      `
Environment: KEYWARDEN_DATABASE_URL, KEYWARDEN_REDIS_URL, KEYWARDEN_SECRET (generated into
.keywarden/secret in development; required with NODE_ENV=production), KEYWARDEN_PREFIX, PORT, HOST.
Stops gracefully on SIGTERM / SIGINT (flushes last-used times, closes stores).`,
    )
    .action(
      action(rt, async ({ opts, note }) => {
        const flags: ServerFlags = {}
        if (opts.port !== undefined) {
          flags.port = opts.port === '0' ? 0 : parsePositiveInt(opts.port, '--port', 65_535)
        }
        if (opts.host !== undefined) {
          if (!opts.host.trim()) throw new UsageError('--host must be an address such as 127.0.0.1')
          flags.host = opts.host
        }
        if (opts.databaseUrl !== undefined) flags.databaseUrl = opts.databaseUrl
        if (opts.redisUrl !== undefined) flags.redisUrl = opts.redisUrl
        if (opts.prefix !== undefined) flags.prefix = opts.prefix
        if (opts.tablePrefix !== undefined) flags.tablePrefix = opts.tablePrefix
        // Loaded on demand: the other commands never pay for the server and its dashboard.
        const { loadServerConfig, startServer } = await import('../../index.js')
        const server = await startServer(loadServerConfig(rt.io.env, flags), {
          stdout: (text) => rt.io.stdout.write(text),
          stderr: (text) => rt.io.stderr.write(text),
        })
        note(`keywarden listening on ${server.url}`)
        rt.keepAlive = true
        let stopping = false
        const stop = (signal: string) => {
          if (stopping) return
          stopping = true
          note(`keywarden: ${signal} received; flushing last-used times and closing stores`)
          server.close().then(
            () => process.exit(0),
            (error: unknown) => {
              note(`keywarden: shutdown failed: ${describeError(error)}`)
              process.exit(1)
            },
          )
        }
        process.once('SIGTERM', () => stop('SIGTERM'))
        process.once('SIGINT', () => stop('SIGINT'))
        return 0
      }),
    )
}
