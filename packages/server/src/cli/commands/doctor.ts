import type { Command } from 'commander'
import { assertStrongSecret, StoreError } from 'keywarden'
import { memoryStore } from 'keywarden/stores/memory'
import { createVault } from 'keywarden/vault'
import type { CliConfig } from '../config.js'
import type { CliContext } from '../context.js'
import { EXIT_FAILURE } from '../io.js'
import { jsonOption, prefixOption, storeOptions } from '../options.js'
import { action, type Runtime } from '../runtime.js'

export interface Check {
  name: 'secret' | 'database' | 'migrations' | 'redis' | 'https'
  status: 'ok' | 'warn' | 'fail'
  message: string
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/

/** The secret-strength rule's complaint (which never quotes the secret), or null when it passes. */
function complaint(check: () => unknown): string | null {
  try {
    check()
    return null
  } catch (error) {
    return (error as Error).message
  }
}

const secretName = (config: CliConfig) =>
  config.secretSource === 'env' ? 'KEYWARDEN_SECRET' : `the secret in ${config.secretFile}`

function checkSecret(config: CliConfig): Check {
  if (config.keyring) {
    const keyring = config.keyring
    const weak = complaint(() => createVault({ store: memoryStore(), keyring }))
    // The server still signs dashboard sessions with KEYWARDEN_SECRET when a keyring encrypts the vault.
    const weakSession =
      config.secret === null ? null : complaint(() => assertStrongSecret(config.secret, secretName(config)))
    return weak || weakSession
      ? {
          name: 'secret',
          status: 'fail',
          message: weak ? `KEYWARDEN_KEYRING: ${weak}` : (weakSession as string),
        }
      : {
          name: 'secret',
          status: 'ok',
          message: `keyring with ${Object.keys(config.keyring.keys).length} key(s), current "${config.keyring.current}"`,
        }
  }
  if (config.secret === null) {
    return config.production
      ? {
          name: 'secret',
          status: 'fail',
          message:
            'KEYWARDEN_SECRET is not set and NODE_ENV=production: the server refuses to start; set it to 32+ random bytes (openssl rand -base64 32)',
        }
      : {
          name: 'secret',
          status: 'warn',
          message: `KEYWARDEN_SECRET is not set; \`keywarden serve\` will generate a development secret in ${config.secretFile}`,
        }
  }
  const weak = complaint(() => assertStrongSecret(config.secret, secretName(config)))
  if (weak) return { name: 'secret', status: 'fail', message: weak }
  if (config.secretSource === 'file') {
    return config.production
      ? {
          name: 'secret',
          status: 'fail',
          message: `NODE_ENV=production needs KEYWARDEN_SECRET; only the development secret file ${config.secretFile} exists`,
        }
      : {
          name: 'secret',
          status: 'warn',
          message: `using the development secret file ${config.secretFile}; set KEYWARDEN_SECRET in production`,
        }
  }
  return { name: 'secret', status: 'ok', message: 'KEYWARDEN_SECRET is set and strong enough' }
}

async function checkDatabase(context: CliContext): Promise<Check[]> {
  const where = context.config.databaseUrl.startsWith('sqlite:') ? context.config.databaseUrl : 'the database'
  try {
    const store = await context.store({ migrate: 'manual' })
    await store.listKeys({ limit: 1 })
    await store.scanSecrets({ limit: 1 })
    return [
      { name: 'database', status: 'ok', message: `${where} answers` },
      { name: 'migrations', status: 'ok', message: 'keywarden’s tables are in place' },
    ]
  } catch (error) {
    const message = (error as Error).message
    if (
      error instanceof StoreError &&
      /tables are missing|no such table|does not exist|doesn't exist/i.test(message)
    ) {
      return [
        { name: 'database', status: 'ok', message: `${where} answers` },
        {
          name: 'migrations',
          status: 'fail',
          message:
            'keywarden’s tables are missing: run `keywarden migrate` (or start the server, which migrates)',
        },
      ]
    }
    return [
      { name: 'database', status: 'fail', message },
      { name: 'migrations', status: 'warn', message: 'not checked: the database is not reachable' },
    ]
  }
}

async function checkRedis(config: CliConfig): Promise<Check> {
  if (!config.redisUrl)
    return { name: 'redis', status: 'ok', message: 'not configured (single instance, no shared cache)' }
  const url = new URL(config.redisUrl)
  const where = `${url.protocol}//${url.host}`
  let Redis: typeof import('ioredis').Redis
  try {
    Redis = (await import('ioredis')).Redis
  } catch {
    return {
      name: 'redis',
      status: 'fail',
      message: 'KEYWARDEN_REDIS_URL is set but the "ioredis" package is missing: npm install ioredis',
    }
  }
  const client = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    return { name: 'redis', status: 'ok', message: `${where} answers` }
  } catch (error) {
    return {
      name: 'redis',
      status: 'fail',
      message: `cannot reach Redis at ${where} (${(error as Error).message.replaceAll(url.password || '\u0000', '***')}); check KEYWARDEN_REDIS_URL and that the server runs`,
    }
  } finally {
    client.disconnect()
  }
}

function checkHttps(config: CliConfig, env: NodeJS.ProcessEnv): Check {
  const problems: string[] = []
  const warnings: string[] = []
  const publicUrl = env.KEYWARDEN_PUBLIC_URL?.trim()
  if (publicUrl) {
    try {
      const parsed = new URL(publicUrl)
      if (parsed.protocol !== 'https:' && !LOOPBACK.test(parsed.hostname)) {
        problems.push(
          `KEYWARDEN_PUBLIC_URL is ${parsed.protocol}//${parsed.host}: API keys and the admin cookie would cross the network in clear; serve it over https://`,
        )
      }
    } catch {
      problems.push('KEYWARDEN_PUBLIC_URL is not a valid URL')
    }
  }
  const host = env.HOST?.trim() || '127.0.0.1'
  if (!LOOPBACK.test(host) && !publicUrl?.startsWith('https://')) {
    warnings.push(
      `HOST=${host} exposes plain HTTP beyond this machine; put a TLS-terminating proxy in front and set KEYWARDEN_PUBLIC_URL=https://…`,
    )
  }
  for (const [label, raw] of [
    ['KEYWARDEN_DATABASE_URL', config.databaseUrl],
    ['KEYWARDEN_REDIS_URL', config.redisUrl],
  ] as const) {
    if (!raw || raw.startsWith('sqlite:')) continue
    const url = new URL(raw)
    const tls = url.protocol === 'rediss:' || /ssl|tls/i.test(url.search)
    if (!tls && !LOOPBACK.test(url.hostname))
      warnings.push(
        `${label} reaches ${url.hostname} without TLS; add sslmode=require (postgres), ssl (mysql) or use rediss://`,
      )
  }
  if (problems.length)
    return { name: 'https', status: 'fail', message: [...problems, ...warnings].join('; ') }
  if (warnings.length) return { name: 'https', status: 'warn', message: warnings.join('; ') }
  return {
    name: 'https',
    status: 'ok',
    message: publicUrl
      ? `public URL ${publicUrl}`
      : 'bound to loopback; nothing leaves this machine in clear',
  }
}

export function doctorCommand(program: Command, rt: Runtime): void {
  jsonOption(
    prefixOption(
      storeOptions(
        program
          .command('doctor')
          .description(
            'check secret strength, database, migrations, Redis and HTTPS settings; exit 1 when something is wrong',
          ),
      ),
    ),
  )
    .addHelpText('after', '\nEach check is ok, warn (works, but look at it) or fail (exit code 1).')
    .action(
      action(rt, async ({ config, context, print }) => {
        const cfg = config()
        const checks: Check[] = [
          checkSecret(cfg),
          ...(await checkDatabase(context())),
          await checkRedis(cfg),
          checkHttps(cfg, rt.io.env),
        ]
        const ok = checks.every((c) => c.status !== 'fail')
        print(
          { ok, checks },
          () =>
            `${checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.name.padEnd(10)}  ${c.message}`).join('\n')}\n`,
        )
        return ok ? 0 : EXIT_FAILURE
      }),
    )
}
