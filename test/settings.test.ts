import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type CliFlags, loadCliConfig } from '../packages/server/src/cli/config.js'
import { loadServerConfig, parseServerArgs } from '../packages/server/src/config.js'
import {
  describeStores,
  readSettings,
  SETTINGS,
  settingsMarkdown,
} from '../packages/server/src/settings/index.js'
import { cliInProcess } from './cli-harness.js'

const dir = mkdtempSync(join(tmpdir(), 'kw-settings-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SECRET = 'Vq7Lm2Xc9Tb4Np8Rz1Kw6Hs3Jd5Gf0Ya2Ue7Oi4Pb'
const RING = { current: 'k2', keys: { k1: 'a'.repeat(40), k2: 'b'.repeat(40) } }
const ringFile = join(dir, 'ring.json')
writeFileSync(ringFile, JSON.stringify(RING))

type Env = Record<string, string>
type Flags = CliFlags & { port?: string; host?: string }
/** What a case must give: parsed values (a subset), or an error whose message matches. */
type Expected = Record<string, unknown> | RegExp

// Flags of `keywarden serve` and of the CLI commands go to both loaders; --port/--host only to the
// server (the CLI commands have no such flags), --keyring/--accept-legacy only to the CLI.
const CASES: Array<[string, Env, Flags, Expected]> = [
  ['defaults', {}, {}, { databaseUrl: 'sqlite:./keywarden.db', tablePrefix: null, redisNamespace: null }],
  [
    'namespace App.prod (the store allows it)',
    { KEYWARDEN_REDIS_NAMESPACE: 'App.prod' },
    {},
    { redisNamespace: 'App.prod' },
  ],
  [
    'namespace with a colon and dash',
    { KEYWARDEN_REDIS_NAMESPACE: 'acme:prod-1' },
    {},
    { redisNamespace: 'acme:prod-1' },
  ],
  [
    'namespace with braces',
    { KEYWARDEN_REDIS_NAMESPACE: 'a{b}' },
    {},
    /^KEYWARDEN_REDIS_NAMESPACE must be 1-64/,
  ],
  [
    'namespace of 65 characters',
    { KEYWARDEN_REDIS_NAMESPACE: 'n'.repeat(65) },
    {},
    /KEYWARDEN_REDIS_NAMESPACE/,
  ],
  [
    'table prefix of 32 characters',
    { KEYWARDEN_TABLE_PREFIX: `t${'a'.repeat(31)}` },
    {},
    { tablePrefix: `t${'a'.repeat(31)}` },
  ],
  [
    'table prefix of 33 characters',
    { KEYWARDEN_TABLE_PREFIX: `t${'a'.repeat(32)}` },
    {},
    /^KEYWARDEN_TABLE_PREFIX must be up to 32/,
  ],
  [
    'table prefix of 33 characters as a flag',
    {},
    { tablePrefix: `t${'a'.repeat(32)}` },
    /^--table-prefix must be up to 32/,
  ],
  ['table prefix starting with a digit', { KEYWARDEN_TABLE_PREFIX: '1abc' }, {}, /KEYWARDEN_TABLE_PREFIX/],
  ['table prefix in capitals', { KEYWARDEN_TABLE_PREFIX: 'Keys_' }, {}, /KEYWARDEN_TABLE_PREFIX/],
  [
    'mariadb:// (the store takes it)',
    { KEYWARDEN_DATABASE_URL: 'mariadb://root@db:3306/app' },
    {},
    { databaseUrl: 'mariadb://root@db:3306/app' },
  ],
  [
    'postgresql://',
    { KEYWARDEN_DATABASE_URL: 'postgresql://u@db/app' },
    {},
    { databaseUrl: 'postgresql://u@db/app' },
  ],
  [
    'sqlite: without a path',
    { KEYWARDEN_DATABASE_URL: 'sqlite:' },
    {},
    /^KEYWARDEN_DATABASE_URL needs a file path/,
  ],
  [
    'sqlite:// without a path',
    { KEYWARDEN_DATABASE_URL: 'sqlite://' },
    {},
    /^KEYWARDEN_DATABASE_URL needs a file path/,
  ],
  ['sqlite::memory:', { KEYWARDEN_DATABASE_URL: 'sqlite::memory:' }, {}, { databaseUrl: 'sqlite::memory:' }],
  [
    'an unknown engine',
    { KEYWARDEN_DATABASE_URL: 'oracle://x' },
    {},
    /^KEYWARDEN_DATABASE_URL must start with/,
  ],
  [
    'a broken postgres URL',
    { KEYWARDEN_DATABASE_URL: 'postgres://u:hunter2@[bad' },
    {},
    /^KEYWARDEN_DATABASE_URL is not a valid URL/,
  ],
  [
    'the database flag wins',
    { KEYWARDEN_DATABASE_URL: 'sqlite:env.db' },
    { databaseUrl: 'sqlite:flag.db' },
    { databaseUrl: 'sqlite:flag.db' },
  ],
  ['a bad database flag names the flag', {}, { databaseUrl: 'http://x' }, /^--database-url must start with/],
  [
    'rediss://',
    { KEYWARDEN_REDIS_URL: 'rediss://:pw@cache:6380' },
    {},
    { redisUrl: 'rediss://:pw@cache:6380' },
  ],
  [
    'redis over http',
    { KEYWARDEN_REDIS_URL: 'http://cache' },
    {},
    /^KEYWARDEN_REDIS_URL must start with redis/,
  ],
  ['redis:// with nothing after', { KEYWARDEN_REDIS_URL: 'redis:' }, {}, /KEYWARDEN_REDIS_URL/],
  ['a bad redis flag', {}, { redisUrl: 'cache:6379' }, /^--redis-url must start with redis/],
  ['key prefix acme_live', { KEYWARDEN_PREFIX: 'acme_live' }, {}, { prefix: 'acme_live' }],
  ['key prefix of 25 characters', { KEYWARDEN_PREFIX: 'p'.repeat(25) }, {}, /^KEYWARDEN_PREFIX must be 1-24/],
  ['key prefix Bad-Prefix as a flag', {}, { prefix: 'Bad-Prefix' }, /^--prefix must be 1-24/],
  ['cache TTL', { KEYWARDEN_CACHE_TTL_MS: '500' }, {}, { cacheTtlMs: 500 }],
  ['cache TTL of 0', { KEYWARDEN_CACHE_TTL_MS: '0' }, {}, /KEYWARDEN_CACHE_TTL_MS/],
  ['negative cache TTL', { KEYWARDEN_CACHE_TTL_MS: '-5' }, {}, /KEYWARDEN_CACHE_TTL_MS/],
  ['ACCEPT_LEGACY " YES "', { KEYWARDEN_ACCEPT_LEGACY: ' YES ' }, {}, { acceptLegacy: true }],
  ['ACCEPT_LEGACY 0', { KEYWARDEN_ACCEPT_LEGACY: '0' }, {}, { acceptLegacy: false }],
  ['a keyring', { KEYWARDEN_KEYRING: JSON.stringify(RING) }, {}, { keyring: RING }],
  [
    'a keyring that is not JSON',
    { KEYWARDEN_KEYRING: '{"current":"k1","keys":{"k1":"hunter2' },
    {},
    /^KEYWARDEN_KEYRING must be JSON/,
  ],
  [
    'a keyring whose current is missing',
    { KEYWARDEN_KEYRING: '{"current":"k9","keys":{"k1":"x"}}' },
    {},
    /current naming one of the keys/,
  ],
  ['a secret', { KEYWARDEN_SECRET: SECRET }, {}, { secret: SECRET }],
  ['a secret keeps its spaces', { KEYWARDEN_SECRET: ` ${SECRET} ` }, {}, { secret: ` ${SECRET} ` }],
  ['a short secret', { KEYWARDEN_SECRET: 'hunter2' }, {}, /^KEYWARDEN_SECRET is 7 bytes; use at least 32/],
  ['PORT', { PORT: '8080', HOST: '0.0.0.0' }, {}, { port: 8080, host: '0.0.0.0' }],
  ['PORT 3000abc', { PORT: '3000abc' }, {}, /^PORT must be a port number/],
  ['PORT 70000', { PORT: '70000' }, {}, /^PORT must be a port number/],
  ['HOST with a space', { HOST: 'local host' }, {}, /^HOST must be a host name/],
  [
    'blank values are unset',
    { KEYWARDEN_DATABASE_URL: '  ', KEYWARDEN_TABLE_PREFIX: '', PORT: ' ' },
    {},
    { databaseUrl: 'sqlite:./keywarden.db', tablePrefix: null, port: 3000 },
  ],
  [
    'misspelled names are ignored (and warned about)',
    { KEYWARDEN_DB_URL: 'postgres://x@db/app', DATABASE_URL: 'mysql://x@db/app' },
    {},
    { databaseUrl: 'sqlite:./keywarden.db' },
  ],
  [
    'production with a secret',
    { NODE_ENV: 'production', KEYWARDEN_SECRET: SECRET },
    {},
    { production: true },
  ],
]

const SHARED = [
  ...Object.keys(SETTINGS).filter((name) => name !== 'publicUrl' && name !== 'debug'),
  'warnings',
]

function outcome(load: () => Record<string, unknown>): unknown {
  try {
    const config = load()
    return Object.fromEntries(SHARED.map((name) => [name, config[name]]))
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message }
  }
}

describe('one settings table, two loaders', () => {
  it.each(CASES)('%s: the server and the CLI agree', (_label, env, flags, expected) => {
    // No development secret file: the CLI would read it where the server generates it later.
    const fullEnv = { KEYWARDEN_SECRET_FILE: join(dir, 'no-secret'), ...env }
    const { port, host, ...storeFlags } = flags
    const server = outcome(() => loadServerConfig(fullEnv, { ...storeFlags, port, host }) as never)
    const cli = outcome(() => loadCliConfig(fullEnv, storeFlags) as never)
    expect(cli).toEqual(server)
    if (expected instanceof RegExp) {
      expect(server).toMatchObject({ error: 'ConfigError', message: expect.stringMatching(expected) })
      expect(JSON.stringify(server)).not.toContain('hunter2')
    } else {
      expect(server).toMatchObject(expected)
    }
  })

  it('--keyring (a file) and --accept-legacy are CLI flags checked by the same rules', () => {
    expect(loadCliConfig({}, { keyring: ringFile, acceptLegacy: true })).toMatchObject({
      keyring: RING,
      acceptLegacy: true,
    })
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"current":"k9","keys":{}}')
    expect(() => loadCliConfig({}, { keyring: bad })).toThrow(`the keyring file ${bad} must be {"current"`)
    expect(() => loadCliConfig({}, { keyring: join(dir, 'missing.json') })).toThrow(
      /cannot read the keyring file/,
    )
  })

  it('only the server insists on a secret in production; the CLI leaves it to doctor', () => {
    expect(() => loadServerConfig({ NODE_ENV: 'production' })).toThrow(/KEYWARDEN_SECRET is required/)
    expect(loadCliConfig({ NODE_ENV: 'production', KEYWARDEN_SECRET_FILE: join(dir, 'none') })).toMatchObject(
      { production: true, secret: null, secretSource: null },
    )
  })

  it('npm start takes the flags of keywarden serve', () => {
    expect(
      parseServerArgs(['--port', '3007', '--table-prefix', 'kw_', '--database-url=sqlite:x.db']),
    ).toEqual({
      port: '3007',
      tablePrefix: 'kw_',
      databaseUrl: 'sqlite:x.db',
    })
    expect(loadServerConfig({}, parseServerArgs(['--port', '3007'])).port).toBe(3007)
    expect(() => loadServerConfig({}, parseServerArgs(['--port', 'x']))).toThrow(/^--port must be a port/)
    expect(() => parseServerArgs(['--prot', '3007'])).toThrow(/--prot.*the server takes --port/)
  })
})

describe('unknown variables', () => {
  const warningsOf = (env: Env) => readSettings(env).warnings

  it('are warned about with the closest valid name', () => {
    expect(warningsOf({ KEYWARDEN_DB_URL: 'x' })).toEqual([
      'KEYWARDEN_DB_URL is not a keywarden setting and is ignored; did you mean KEYWARDEN_DATABASE_URL?',
    ])
    expect(warningsOf({ KEYWARDEN_REDIS_NAMESPCE: 'x' })[0]).toMatch(
      /did you mean KEYWARDEN_REDIS_NAMESPACE\?/,
    )
    expect(warningsOf({ KEYWARDEN_SECRETS: 'x' })[0]).toMatch(/did you mean KEYWARDEN_SECRET\?/)
    expect(warningsOf({ KEYWARDEN_CACHE_TTL: 'x' })[0]).toMatch(/did you mean KEYWARDEN_CACHE_TTL_MS\?/)
    expect(warningsOf({ KEYWARDEN_QQQQQQQQQQQQQ: 'x' })).toEqual([
      'KEYWARDEN_QQQQQQQQQQQQQ is not a keywarden setting and is ignored; see the settings table in docs/server.md',
    ])
  })

  it('DATABASE_URL and REDIS_URL get a hint unless the keywarden name is set too', () => {
    expect(warningsOf({ DATABASE_URL: 'x', REDIS_URL: 'y' })).toEqual([
      'DATABASE_URL is set but keywarden reads KEYWARDEN_DATABASE_URL; set that instead',
      'REDIS_URL is set but keywarden reads KEYWARDEN_REDIS_URL; set that instead',
    ])
    expect(warningsOf({ DATABASE_URL: 'x', KEYWARDEN_DATABASE_URL: 'sqlite:a.db' })).toEqual([])
  })

  it('are quiet about every setting and the test suite’s own variables, and never fail', () => {
    const all = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.env, '']))
    expect(warningsOf({ ...all, KEYWARDEN_TEST_POSTGRES_URL: 'x', HOME: '/root' })).toEqual([])
  })

  it('reach the CLI user on stderr, never on stdout', async () => {
    const result = await cliInProcess(['migrate', '--print-sql', '--json'], {
      KEYWARDEN_DB_URL: 'sqlite:x.db',
    })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(
      'keywarden: warning: KEYWARDEN_DB_URL is not a keywarden setting and is ignored; did you mean KEYWARDEN_DATABASE_URL?',
    )
    expect(() => result.json()).not.toThrow()
  })
})

describe('the start-up line', () => {
  it('names the database and Redis without their passwords', () => {
    const line = describeStores({
      databaseUrl: 'postgres://app:hunter2@db:5432/app?sslmode=require&password=other2',
      redisUrl: 'rediss://default:redispw9@cache:6380/0',
      redisNamespace: 'App.prod',
      tablePrefix: 'kw_',
    })
    expect(line).toBe(
      'database postgres://app:***@db:5432/app?sslmode=require&password=***, table prefix kw_; redis rediss://default:***@cache:6380/0 (namespace App.prod)',
    )
    for (const secret of ['hunter2', 'other2', 'redispw9']) expect(line).not.toContain(secret)
  })

  it('shows where a SQLite file is, and says when Redis is off', () => {
    const line = describeStores({
      databaseUrl: 'sqlite:./keys.db',
      redisUrl: null,
      redisNamespace: null,
      tablePrefix: null,
    })
    expect(line).toBe(`database sqlite:./keys.db (${join(process.cwd(), 'keys.db')}); no Redis cache tier`)
  })
})

describe('the docs', () => {
  it.each(['docs/server.md', 'docs/cli.md'])(
    '%s shows the settings table generated from the module',
    (doc) => {
      const text = readFileSync(join(import.meta.dirname, '..', doc), 'utf8')
      const block = /<!-- settings:begin[^>]*-->\n([\s\S]*?)\n<!-- settings:end -->/.exec(text)?.[1]
      expect(block, `${doc} needs the table between <!-- settings:begin --> and <!-- settings:end -->`).toBe(
        settingsMarkdown(),
      )
    },
  )
})
