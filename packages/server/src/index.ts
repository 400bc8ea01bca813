import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { ConfigError, createKeywarden, describeError } from 'keywarden'
import { createVault } from 'keywarden/vault'
import { createWebhooks } from 'keywarden/webhooks'
import { adminKeyNotice, ensureAdminKey } from './admin-key.js'
import { createServerApp, settleBackground } from './app.js'
import type { ServerConfig } from './config.js'
import { startExpiryScan } from './leaks/scan-job.js'
import { createLogger } from './log/logger.js'
import { resolveSecret } from './secret.js'
import { describeStores } from './settings/index.js'
import { openServerStores } from './stores.js'

export { createServerApp, type ServerAppOptions, storeHealthCheck } from './app.js'
export { loadServerConfig, type ServerConfig, type ServerFlags } from './config.js'
export { createLogger, type Logger, type LoggerOptions } from './log/logger.js'
export { type ResolvedSecret, resolveSecret } from './secret.js'

export interface RunningServer {
  /** e.g. http://127.0.0.1:3000 */
  url: string
  port: number
  /** Stops accepting connections, flushes last-used times, closes the stores. */
  close(): Promise<void>
}

export interface StartServerIo {
  /** Where the one-time admin key goes. Default process.stdout. */
  stdout?: (text: string) => void
  /** Start-up lines (database and Redis in use, warnings, generated secret). Default process.stderr. */
  stderr?: (text: string) => void
}

const VAULT_TTL_MS = 90 * 86_400_000

function portInUse(config: ServerConfig, cause: unknown): ConfigError {
  return new ConfigError(
    `port ${config.port} on ${config.host} is already in use (another keywarden or another program); stop it, or choose another port with --port <n> or PORT=<n> (0 picks a free one)`,
    { cause },
  )
}

/** Runs the reference server until `close()`: what `keywarden serve` and `npm start` call. */
export async function startServer(config: ServerConfig, io: StartServerIo = {}): Promise<RunningServer> {
  const stdout = io.stdout ?? ((text: string) => process.stdout.write(text))
  const stderr = io.stderr ?? ((text: string) => process.stderr.write(text))
  for (const warning of config.warnings ?? []) stderr(`keywarden: warning: ${warning}\n`)
  const { secret } = resolveSecret(config, (line) => stderr(`${line}\n`))

  stderr(`keywarden: ${describeStores(config)}\n`)
  const stores = await openServerStores(config)
  const warden = createKeywarden({
    store: stores.keys,
    prefix: config.prefix,
    acceptLegacy: config.acceptLegacy,
  })
  const vault = createVault({
    ...(config.keyring ? { keyring: config.keyring } : { secret }),
    store: stores.secrets,
    defaultTtlMs: VAULT_TTL_MS,
    // One hub: provider-key changes land in the warden's audit log and reach the same webhooks.
    events: warden.events,
    ...(config.providers ? { providers: config.providers } : {}),
  })
  // Every instance runs a worker: the store's leases give each attempt to one of them.
  const webhooks = createWebhooks({
    store: stores.webhooks,
    events: warden.events,
    ...(config.keyring ? { keyring: config.keyring } : { secret }),
    allowPrivate: config.webhooksAllowPrivate ?? false,
    ...(config.webhooksRetryMs ? { retryScheduleMs: config.webhooksRetryMs } : {}),
    onError: (error) => stderr(`keywarden: webhooks: ${describeError(error)}\n`),
  })
  let closed = false
  const shutdownStores = async () => {
    if (closed) return
    closed = true
    await webhooks.close()
    try {
      await warden.close()
    } finally {
      await stores.closeRest()
    }
  }

  try {
    const admin = await ensureAdminKey(warden, stores.keys)
    if (admin) stdout(`${adminKeyNotice(admin)}\n`)
  } catch (error) {
    await shutdownStores().catch(() => {})
    throw error
  }

  const logger = createLogger({ level: config.logLevel, json: config.production, write: stderr })
  const app = createServerApp({
    warden,
    vault,
    webhooks,
    secret,
    checkHealth: () => stores.checkHealth(),
    logger,
    leaks: {
      policy: config.leakPolicy ?? 'revoke',
      ...(config.githubKeysUrl ? { githubKeysUrl: config.githubKeysUrl } : {}),
    },
  })
  const server = createAdaptorServer({ fetch: app.fetch, hostname: config.host, port: config.port })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await shutdownStores().catch(() => {})
    throw (error as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? portInUse(config, error) : error
  }
  // Every instance scans; the store's notice claims make each notice fire once.
  const stopScan = startExpiryScan(warden, config.expiryScanMs ?? 600_000, (error) =>
    logger.error({ error: describeError(error) }, 'expiry scan failed'),
  )
  const port = (server.address() as AddressInfo).port
  webhooks.start()
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Keep-alive connections would hold close() open; idle ones can go now.
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      })
      await stopScan()
      await settleBackground(app)
      await shutdownStores()
    },
  }
}
