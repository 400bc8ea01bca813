import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, ValidationError } from '../packages/keywarden/src/errors.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { type FakeProvider, startFakeProvider } from './support/fake-provider.js'

const GOOD = 'sk-proj-GoodAbCdEf0123456789AbCdEf01234'
const BAD = 'sk-proj-WrongAbCdEf0123456789AbCdEf0123'
const LIMITED = 'sk-proj-LimitedAbCdEf0123456789AbCdEf0'
const HANG = 'sk-proj-HangAbCdEf0123456789AbCdEf01234'

let fake: FakeProvider
beforeAll(async () => {
  fake = await startFakeProvider()
})
afterAll(async () => {
  await fake.close()
})

function vaultOn(baseUrl: string) {
  const store = memoryStore()
  const vault = createVault({
    secret: randomBytes(32).toString('base64'),
    store,
    providers: { openai: { baseUrl } },
  })
  return { vault, store }
}

describe('vault.check against a fake provider', () => {
  it('answers ok for 200, not ok with the status for 401 and 429, and status null on a timeout', async () => {
    const { vault } = vaultOn(fake.baseUrl)
    const good = await vault.check('openai', GOOD)
    expect(good).toEqual({ ok: true, status: 200, detail: expect.stringContaining('accepted') })
    const bad = await vault.check('openai', BAD)
    expect(bad).toMatchObject({ ok: false, status: 401 })
    const limited = await vault.check('openai', LIMITED)
    expect(limited).toMatchObject({ ok: false, status: 429 })
    const hung = await vault.check('openai', HANG, { timeoutMs: 200 })
    expect(hung).toMatchObject({ ok: false, status: null })
    expect(hung.detail).toContain('200 ms')
    for (const [result, key] of [
      [good, GOOD],
      [bad, BAD],
      [limited, LIMITED],
      [hung, HANG],
    ] as const) {
      expect(JSON.stringify(result)).not.toContain(key)
      expect(JSON.stringify(result)).not.toContain(key.slice(8))
    }
  })

  it('caches a settled answer briefly (one call to the provider), and fresh: true asks again', async () => {
    const { vault } = vaultOn(fake.baseUrl)
    const before = fake.calls()
    await vault.check('openai', GOOD)
    await vault.check('openai', GOOD)
    await vault.check('openai', BAD)
    await vault.check('openai', BAD)
    expect(fake.calls() - before).toBe(2)
    await vault.check('openai', GOOD, { fresh: true })
    expect(fake.calls() - before).toBe(3)
  })

  it('answers a key of the wrong shape without calling the provider, and never throws for it', async () => {
    const { vault } = vaultOn(fake.baseUrl)
    const before = fake.calls()
    const result = await vault.check('openai', 'not-a-key')
    expect(result).toMatchObject({ ok: false, status: null })
    expect(fake.calls()).toBe(before)
  })

  it('reports an unreachable provider as not ok, status null', async () => {
    const { vault } = vaultOn('http://127.0.0.1:9')
    const result = await vault.check('openai', GOOD, { timeoutMs: 2000 })
    expect(result).toMatchObject({ ok: false, status: null })
  })

  it('refuses an unknown provider and a bad timeout with ValidationError', async () => {
    const { vault } = vaultOn(fake.baseUrl)
    await expect(vault.check('nope', GOOD)).rejects.toBeInstanceOf(ValidationError)
    await expect(vault.check('openai', GOOD, { timeoutMs: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(vault.check('openai', 42 as unknown as string)).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('per-provider settings', () => {
  it('keep the old forms working and refuse bad settings with ConfigError naming the field', () => {
    const secret = randomBytes(32).toString('base64')
    const store = memoryStore()
    expect(createVault({ secret, store, providers: [] }).providers.has('openai')).toBe(true)
    expect(() => createVault({ secret, store, providers: { openai: { baseUrl: 'ftp://x' } } })).toThrow(
      /providers\.openai\.baseUrl/,
    )
    expect(() =>
      createVault({ secret, store, providers: { openai: { fallback: ['everyone' as 'team'] } } }),
    ).toThrow(ConfigError)
    expect(() => createVault({ secret, store, providers: { unknown: {} } })).toThrow(/unknown provider/)
    const bad = 'sk-ant-not-an-openai-key-0123456789abcdef'
    let message = ''
    try {
      createVault({ secret, store, providers: { openai: { platformKey: bad } } })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/platformKey/)
    expect(message).not.toContain(bad)
  })

  it('register a provider that is not built in from its definition', async () => {
    const vault = createVault({
      secret: randomBytes(32).toString('base64'),
      store: memoryStore(),
      providers: {
        acme: {
          baseUrl: fake.baseUrl,
          definition: { label: 'Acme AI', pattern: /^sk-proj-[A-Za-z0-9]{20,}$/, example: GOOD },
        },
      },
    })
    expect(vault.providers.get('acme')?.label).toBe('Acme AI')
    expect(await vault.check('acme', GOOD)).toMatchObject({ ok: true, status: 200 })
  })
})
