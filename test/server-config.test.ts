import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import { loadServerConfig } from '../packages/server/src/config.js'
import { resolveSecret } from '../packages/server/src/secret.js'
import { createSessionManager } from '../packages/server/src/session.js'

const SECRET = 'x7Gq2pLw9ZrT4vNc8HbY1sKd6MfJ3aQe0UoRiWtE'

describe('loadServerConfig', () => {
  it('has the documented defaults', () => {
    const config = loadServerConfig({})
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./keywarden.db',
      redisUrl: null,
      secret: null,
      prefix: 'kw',
      production: false,
      tablePrefix: null,
      redisNamespace: null,
    })
    expect(config.secretFile.endsWith(join('.keywarden', 'secret'))).toBe(true)
  })

  it('reads every variable, and flags win over variables', () => {
    const env = {
      PORT: '4000',
      HOST: '0.0.0.0',
      KEYWARDEN_DATABASE_URL: 'postgres://u:p@db:5432/app',
      KEYWARDEN_REDIS_URL: 'redis://cache:6379',
      KEYWARDEN_SECRET: SECRET,
      KEYWARDEN_PREFIX: 'acme_live',
      KEYWARDEN_TABLE_PREFIX: 'kw_',
      KEYWARDEN_REDIS_NAMESPACE: 'acme',
      NODE_ENV: 'production',
    }
    expect(loadServerConfig(env)).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/app',
      redisUrl: 'redis://cache:6379',
      secret: SECRET,
      prefix: 'acme_live',
      production: true,
      tablePrefix: 'kw_',
      redisNamespace: 'acme',
    })
    const flagged = loadServerConfig(env, {
      port: 0,
      host: '::1',
      databaseUrl: 'sqlite::memory:',
      redisUrl: 'rediss://other:6380',
      prefix: 'cli',
    })
    expect(flagged).toMatchObject({
      port: 0,
      host: '::1',
      databaseUrl: 'sqlite::memory:',
      redisUrl: 'rediss://other:6380',
      prefix: 'cli',
    })
  })

  it('reads KEYWARDEN_ACCEPT_LEGACY and KEYWARDEN_KEYRING, never echoing a bad keyring', () => {
    expect(loadServerConfig({}).acceptLegacy).toBe(false)
    expect(loadServerConfig({ KEYWARDEN_ACCEPT_LEGACY: 'true' }).acceptLegacy).toBe(true)
    expect(loadServerConfig({ KEYWARDEN_ACCEPT_LEGACY: '0' }).acceptLegacy).toBe(false)
    const ring = {
      current: 'k2',
      keys: { k1: randomBytes(32).toString('base64'), k2: randomBytes(32).toString('base64') },
    }
    expect(loadServerConfig({ KEYWARDEN_KEYRING: JSON.stringify(ring) }).keyring).toEqual(ring)
    const error = (() => {
      try {
        loadServerConfig({ KEYWARDEN_KEYRING: '{"current": "k1", "keys": {"k1": "hunter2-secret' })
      } catch (e) {
        return e as Error
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error?.message).not.toContain('hunter2')
  })

  it('refuses to run in production without KEYWARDEN_SECRET', () => {
    expect(() => loadServerConfig({ NODE_ENV: 'production' })).toThrow(ConfigError)
    expect(() => loadServerConfig({ NODE_ENV: 'production' })).toThrow(/KEYWARDEN_SECRET is required/)
  })

  it.each([
    [{ PORT: '70000' }, /PORT/],
    [{ PORT: '3000abc' }, /PORT/],
    [{ KEYWARDEN_SECRET: 'short' }, /KEYWARDEN_SECRET is 5 bytes; use at least 32 random bytes/],
    [{ KEYWARDEN_PREFIX: 'Bad-Prefix' }, /KEYWARDEN_PREFIX/],
    [{ KEYWARDEN_DATABASE_URL: 'oracle://x' }, /KEYWARDEN_DATABASE_URL must start with/],
    [{ KEYWARDEN_REDIS_URL: 'http://x' }, /KEYWARDEN_REDIS_URL must start with/],
    [{ KEYWARDEN_TABLE_PREFIX: '1abc' }, /KEYWARDEN_TABLE_PREFIX/],
    [{ KEYWARDEN_REDIS_NAMESPACE: 'a{b}' }, /KEYWARDEN_REDIS_NAMESPACE/],
    [{ KEYWARDEN_CACHE_TTL_MS: '-5' }, /KEYWARDEN_CACHE_TTL_MS/],
  ])('names the variable to fix: %o', (env, message) => {
    expect(() => loadServerConfig(env)).toThrow(message)
  })

  it('holds KEYWARDEN_SECRET to the secret-strength rule, with or without a keyring', () => {
    const ring = JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } })
    for (const weak of ['a'.repeat(40), 'qwertyuiop'.repeat(4), 'P@ssw0rd'.repeat(5)]) {
      for (const env of [{ KEYWARDEN_SECRET: weak }, { KEYWARDEN_SECRET: weak, KEYWARDEN_KEYRING: ring }]) {
        const error = (() => {
          try {
            loadServerConfig(env)
          } catch (e) {
            return e as Error
          }
        })()
        expect(error).toBeInstanceOf(ConfigError)
        expect(error?.message).toMatch(/^KEYWARDEN_SECRET is too predictable/)
        expect(error?.message).toContain('openssl rand -base64 32')
        expect(error?.message).not.toContain(weak.slice(0, 8))
      }
    }
    expect(loadServerConfig({ KEYWARDEN_SECRET: SECRET, KEYWARDEN_KEYRING: ring }).secret).toBe(SECRET)
  })

  it('never echoes a database password in its errors', () => {
    const attempt = () => loadServerConfig({ KEYWARDEN_DATABASE_URL: 'postgres://user:hunter2@[bad' })
    expect(attempt).toThrow(ConfigError)
    try {
      attempt()
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2')
    }
  })
})

describe('resolveSecret', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-secret-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('uses KEYWARDEN_SECRET when set and writes no file', () => {
    const file = join(dir, 'secret')
    const lines: string[] = []
    expect(
      resolveSecret({ secret: SECRET, secretFile: file, production: true }, (l) => lines.push(l)),
    ).toEqual({
      secret: SECRET,
      source: 'env',
    })
    expect(lines).toEqual([])
    expect(() => statSync(file)).toThrow()
  })

  it('generates a development secret into a 0600 file, says so loudly, and reuses it', () => {
    const file = join(dir, 'nested', 'secret')
    const lines: string[] = []
    const first = resolveSecret({ secret: null, secretFile: file, production: false }, (l) => lines.push(l))
    expect(first.source).toBe('generated')
    expect(first.secret.length).toBeGreaterThanOrEqual(32)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secret)
    expect(lines.join('\n')).toMatch(/KEYWARDEN_SECRET is not set/)
    expect(lines.join('\n')).toContain(file)
    expect(lines.join('\n')).not.toContain(first.secret)

    const second = resolveSecret({ secret: null, secretFile: file, production: false }, () => {})
    expect(second).toEqual({ secret: first.secret, source: 'file' })
  })

  it('tightens a secret file others can read', () => {
    const file = join(dir, 'secret')
    writeFileSync(file, `${SECRET}\n`, { mode: 0o644 })
    expect(resolveSecret({ secret: null, secretFile: file, production: false }, () => {}).secret).toBe(SECRET)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('refuses a truncated secret file and, in production, generating one', () => {
    const file = join(dir, 'secret')
    writeFileSync(file, 'tooshort', { mode: 0o600 })
    expect(() => resolveSecret({ secret: null, secretFile: file, production: false }, () => {})).toThrow(
      /is 8 bytes; use at least 32 random bytes/,
    )
    const other = join(dir, 'other')
    expect(() => resolveSecret({ secret: null, secretFile: other, production: true }, () => {})).toThrow(
      ConfigError,
    )
    expect(() => statSync(other)).toThrow()
  })
})

describe('resolveSecret strength', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-secret-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses a patterned secret file or KEYWARDEN_SECRET, saying how to fix it', () => {
    const file = join(dir, 'secret')
    writeFileSync(file, `${'abcdefghijklmnopqrstuvwxyz'.repeat(2)}\n`, { mode: 0o600 })
    const fromFile = () => resolveSecret({ secret: null, secretFile: file, production: false }, () => {})
    expect(fromFile).toThrow(ConfigError)
    expect(fromFile).toThrow(/too predictable.*openssl rand -base64 32.*delete the file/)
    expect(fromFile).not.toThrow(/abcdef/)
    const fromEnv = () =>
      resolveSecret(
        { secret: 'qwertyuiop'.repeat(4), secretFile: join(dir, 'x'), production: true },
        () => {},
      )
    expect(fromEnv).toThrow(/^KEYWARDEN_SECRET is too predictable/)
  })
})

describe('dashboard sessions', () => {
  it('accepts only cookies sealed under its secret, on every instance, until they expire', () => {
    let clock = 1_000_000
    const sessions = createSessionManager({ secret: SECRET, ttlMs: 60_000, now: () => clock })
    const { session, cookie } = sessions.create('key-1', 'admin')
    expect(sessions.read(cookie)).toEqual(session)
    expect(session).toMatchObject({ adminKeyId: 'key-1', userId: 'admin', expiresAt: clock + 60_000 })
    // The cookie is the session: another instance with the same secret opens it.
    const otherInstance = createSessionManager({ secret: SECRET, ttlMs: 60_000, now: () => clock })
    expect(otherInstance.read(cookie)).toEqual(session)
    expect(cookie).not.toContain('key-1')

    const flipped = `${cookie.slice(0, -3)}${cookie.at(-3) === 'A' ? 'B' : 'A'}${cookie.slice(-2)}`
    expect(sessions.read(flipped)).toBeNull()
    expect(sessions.read(cookie.split('.').slice(0, 2).join('.'))).toBeNull()
    expect(sessions.read(undefined)).toBeNull()
    expect(sessions.read('x'.repeat(5000))).toBeNull()
    const foreign = createSessionManager({ secret: `${SECRET}-other`, now: () => clock })
    expect(foreign.read(cookie)).toBeNull()
    // A manager with a shorter lifetime does not honour a cookie sealed for longer.
    const shorter = createSessionManager({ secret: SECRET, ttlMs: 1000, now: () => clock + 2000 })
    expect(shorter.read(cookie)).toBeNull()

    clock += 59_999
    expect(sessions.read(cookie)).not.toBeNull()
    clock += 1
    expect(sessions.read(cookie)).toBeNull()
  })

  it('gives every session its own CSRF token, the same on every instance, and checks sign-in tokens', () => {
    const sessions = createSessionManager({ secret: SECRET })
    const a = sessions.create('k', 'u')
    const b = sessions.create('k', 'u').session
    expect(a.session.csrfToken).not.toBe(b.csrfToken)
    expect(createSessionManager({ secret: SECRET }).read(a.cookie)?.csrfToken).toBe(a.session.csrfToken)
    const nonce = 'n'.repeat(32)
    const token = sessions.loginToken(nonce)
    expect(createSessionManager({ secret: SECRET }).checkLoginToken(nonce, token)).toBe(true)
    expect(sessions.checkLoginToken('m'.repeat(32), token)).toBe(false)
    expect(sessions.checkLoginToken(nonce, `${token}x`)).toBe(false)
    expect(sessions.checkLoginToken(undefined, token)).toBe(false)
  })

  it('refuses a weak secret, naming KEYWARDEN_SECRET and how to make one', () => {
    expect(() => createSessionManager({ secret: 'short' })).toThrow(ConfigError)
    expect(() => createSessionManager({ secret: 'changeme'.repeat(5) })).toThrow(
      /KEYWARDEN_SECRET.*openssl rand/,
    )
  })
})
