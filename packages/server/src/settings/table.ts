import * as check from './checks.js'

/**
 * One setting: where it is read from, its default, how it is checked. `flag` is the command-line
 * flag of `keywarden serve` / `npm start` (and of the CLI commands that take it).
 */
export interface SettingSpec<T> {
  env: string
  flag?: `--${string}`
  /** The default as the docs show it. */
  shown: string
  /** Value when neither the flag nor the variable is set. */
  fallback: T
  /** Checks a set value; throws ConfigError naming `source`. Absent: the text itself is the value. */
  check?: check.Check<T>
  /** Secrets keep their exact bytes: a blank value is unset, any other is taken untrimmed. */
  verbatim?: true
  /** Where it matters, for the docs: the server, the CLI, or both (default). */
  for?: 'server' | 'cli'
  description: string
}

function spec<T>(s: SettingSpec<T>): SettingSpec<T> {
  return s
}

/** What the Redis tier uses when KEYWARDEN_REDIS_NAMESPACE is unset (the library's default too). */
export const DEFAULT_REDIS_NAMESPACE = 'keywarden'

export const SETTINGS = {
  port: spec({
    env: 'PORT',
    flag: '--port',
    shown: '`3000`',
    fallback: 3000,
    check: check.port,
    for: 'server',
    description: 'Port to listen on; `0` picks a free one (the chosen URL is printed on stderr).',
  }),
  host: spec({
    env: 'HOST',
    flag: '--host',
    shown: '`127.0.0.1`',
    fallback: '127.0.0.1',
    check: check.host,
    for: 'server',
    description:
      'Address to bind. Only loopback by default; `0.0.0.0` or `::` to accept outside connections.',
  }),
  databaseUrl: spec({
    env: 'KEYWARDEN_DATABASE_URL',
    flag: '--database-url',
    shown: '`sqlite:./keywarden.db`',
    fallback: 'sqlite:./keywarden.db',
    check: check.databaseUrl,
    description:
      '`sqlite:<file>`, `postgres://…` or `mysql://…` (`mariadb://` too). Tables are created (migrated) on first use.',
  }),
  tablePrefix: spec<string | null>({
    env: 'KEYWARDEN_TABLE_PREFIX',
    flag: '--table-prefix',
    shown: '`keywarden_`',
    fallback: null,
    check: check.tablePrefix,
    description:
      'Prefix of the SQL table names (several deployments in one database): up to 32 of `a-z 0-9 _`, starting with a letter.',
  }),
  redisUrl: spec<string | null>({
    env: 'KEYWARDEN_REDIS_URL',
    flag: '--redis-url',
    shown: 'unset',
    fallback: null,
    check: check.redisUrl,
    description:
      'Turns on the Redis cache tier in front of the database and cross-instance invalidation; the CLI writes through it too.',
  }),
  redisNamespace: spec<string | null>({
    env: 'KEYWARDEN_REDIS_NAMESPACE',
    shown: `\`${DEFAULT_REDIS_NAMESPACE}\``,
    fallback: null,
    check: check.redisNamespace,
    description:
      'Prefix of every Redis key and of the invalidation channel (`<namespace>:invalidate`): 1-64 of `A-Z a-z 0-9 _ . : -`. Instances and the CLI sharing a database must share it.',
  }),
  cacheTtlMs: spec({
    env: 'KEYWARDEN_CACHE_TTL_MS',
    shown: '`10000`',
    fallback: 10_000,
    check: check.cacheTtlMs,
    description:
      'How long a key lookup is served from the caches without asking the database again. Writes invalidate at once regardless.',
  }),
  secret: spec<string | null>({
    env: 'KEYWARDEN_SECRET',
    shown: 'generated in development',
    fallback: null,
    check: check.secret,
    verbatim: true,
    description:
      '32+ random bytes (`openssl rand -base64 32`); patterned secrets are refused ([the secret-strength rule](vault.md#the-secret-strength-rule)), also with a keyring. Encrypts provider keys (the vault) and signs dashboard sessions. Keep it stable. Required with `NODE_ENV=production`.',
  }),
  secretFile: spec({
    env: 'KEYWARDEN_SECRET_FILE',
    shown: '`.keywarden/secret`',
    fallback: '.keywarden/secret',
    description:
      'Where `serve` generates a development secret (mode 0600) and the CLI reads it. Ignored when `KEYWARDEN_SECRET` is set.',
  }),
  keyring: spec<import('keywarden/vault').Keyring | null>({
    env: 'KEYWARDEN_KEYRING',
    flag: '--keyring',
    shown: 'unset',
    fallback: null,
    check: check.keyring,
    verbatim: true,
    description:
      'JSON `{"current":"k2","keys":{"k1":"…","k2":"…"}}`: versioned vault secrets after a rotation. The CLI flag (`vault rotate`) names a file holding it.',
  }),
  providers: spec<Record<string, import('keywarden/vault').ProviderSettings> | null>({
    env: 'KEYWARDEN_PROVIDERS',
    shown: 'unset',
    fallback: null,
    check: check.providers,
    verbatim: true,
    for: 'server',
    description:
      'JSON per provider: `{"openai":{"baseUrl":"…","platformKey":"sk-…","fallback":["team","platform"]}}`. `baseUrl` for `POST /api/byok/:provider/check`, the platform key resolve falls back to, and the fallback policy (`[]` fails closed) ([Teams and fallback](vault.md#teams-and-fallback)). Holds secrets: never logged.',
  }),
  prefix: spec({
    env: 'KEYWARDEN_PREFIX',
    flag: '--prefix',
    shown: '`kw`',
    fallback: 'kw',
    check: check.keyPrefix,
    description:
      'Prefix of issued keys: `[a-z0-9]{1,24}`, inner `_` allowed (`acme_live`). Changing it later makes existing keys MALFORMED.',
  }),
  acceptLegacy: spec({
    env: 'KEYWARDEN_ACCEPT_LEGACY',
    flag: '--accept-legacy',
    shown: 'off',
    fallback: false,
    check: check.flag,
    description: '`1`/`true`/`yes`: verify keys imported from litestar-api-auth (no keywarden checksum).',
  }),
  webhooksAllowPrivate: spec({
    env: 'KEYWARDEN_WEBHOOKS_ALLOW_PRIVATE',
    shown: 'off',
    fallback: false,
    check: check.flag,
    for: 'server',
    description:
      '`1`/`true`/`yes`: webhook URLs may point to private, loopback and link-local addresses (tests, internal networks) ([Webhooks](webhooks.md)).',
  }),
  webhooksRetryMs: spec<number[] | null>({
    env: 'KEYWARDEN_WEBHOOKS_RETRY_MS',
    shown: '`5000,30000,120000,600000,3600000`',
    fallback: null,
    check: check.retrySchedule,
    for: 'server',
    description:
      'Delays in ms before each webhook retry, comma-separated; one attempt more than delays ([Webhooks](webhooks.md#delivery)).',
  }),
  production: spec({
    env: 'NODE_ENV',
    shown: 'unset',
    fallback: false,
    check: (raw) => raw === 'production',
    description:
      '`production` refuses to start the server without `KEYWARDEN_SECRET` (exit code 1, nothing written).',
  }),
  logLevel: spec<check.LogLevel>({
    env: 'KEYWARDEN_LOG_LEVEL',
    shown: '`info`',
    fallback: 'info',
    check: check.logLevel,
    for: 'server',
    description:
      '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. `info` logs each refused request, key or provider-key change and resolve; `debug` every request. JSON lines with `NODE_ENV=production`, else text ([Logs](service.md#logs)).',
  }),
  leakPolicy: spec<'revoke' | 'notify'>({
    env: 'KEYWARDEN_LEAK_POLICY',
    shown: '`revoke`',
    fallback: 'revoke',
    check: check.leakPolicy,
    for: 'server',
    description:
      'What a leaked key reported to `/api/leaks/github` or `/api/leaks/report` gets: `revoke`, or `notify` (only the `key.leaked` event) ([Leaks](leaks.md)).',
  }),
  githubKeysUrl: spec({
    env: 'KEYWARDEN_GITHUB_KEYS_URL',
    shown: "GitHub's key list",
    fallback: 'https://api.github.com/meta/public_keys/secret_scanning',
    check: check.httpsUrl,
    for: 'server',
    description:
      'Where the public keys that sign GitHub secret-scanning reports are fetched (and cached) from.',
  }),
  expiryScanMs: spec({
    env: 'KEYWARDEN_EXPIRY_SCAN_MS',
    shown: '`600000`',
    fallback: 600_000,
    check: check.scanIntervalMs,
    for: 'server',
    description:
      'How often `serve` scans for keys 7 days and 1 day before expiry and just expired (`key.expiring`, `key.expired`, once each across instances); `0` turns it off.',
  }),
  publicUrl: spec<string | null>({
    env: 'KEYWARDEN_PUBLIC_URL',
    shown: 'unset',
    fallback: null,
    for: 'cli',
    description: 'The address users reach; `keywarden doctor` checks it is `https://`.',
  }),
  debug: spec({
    env: 'KEYWARDEN_DEBUG',
    shown: 'off',
    fallback: false,
    check: () => true,
    for: 'cli',
    description: 'Any value: the CLI prints stack traces of unexpected errors.',
  }),
} as const

export type SettingName = keyof typeof SETTINGS

/** Every setting, parsed. */
export type Settings = {
  -readonly [K in SettingName]: (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never
}
