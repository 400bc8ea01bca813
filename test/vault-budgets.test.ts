import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, ValidationError } from '../packages/keywarden/src/errors.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault, type FallbackStep, type ResolveResult } from '../packages/keywarden/src/vault/index.js'

const USER_KEY = 'sk-proj-UserAbCdEf0123456789AbCdEf01234'
const TEAM_KEY = 'sk-proj-TeamAbCdEf0123456789AbCdEf01234'
const PLATFORM_KEY = 'sk-proj-PlatformAbCdEf0123456789AbCdEf0'

function setup(
  fallback: FallbackStep[] = ['team', 'platform'],
  platform = false,
  start = Date.UTC(2026, 11, 1),
) {
  let t = start
  const store = memoryStore()
  const vault = createVault({
    secret: randomBytes(32).toString('base64'),
    store,
    now: () => new Date(t),
    defaultTtlMs: null,
    providers: { openai: { fallback, ...(platform ? { platformKey: PLATFORM_KEY } : {}) } },
  })
  return {
    store,
    vault,
    advance: (ms: number) => {
      t += ms
    },
  }
}

const refOf = (r: ResolveResult) => ('ref' in r ? r.ref : '')

describe('provider-key usage and monthly budgets', () => {
  it('counts 10,000 concurrent recordings exactly, per key, per month', async () => {
    const { vault } = setup()
    const alice = vault.for({ userId: 'alice' })
    await alice.set('openai', USER_KEY)
    const ref = refOf(await alice.resolve('openai'))
    await Promise.all(
      Array.from({ length: 10_000 }, (_, i) =>
        Promise.resolve().then(() =>
          vault.recordUsage(ref, { requests: 1, inputTokens: 10, outputTokens: i % 3, costMicros: 7 }),
        ),
      ),
    )
    await vault.flush()
    const usage = await vault.usageThisMonth(ref)
    expect(usage).toEqual({
      ref,
      requests: 10_000,
      inputTokens: 100_000,
      outputTokens: 9_999,
      costMicros: 70_000,
      monthlyBudgetMicros: null,
    })
    await vault.close()
  })

  it('a key over its budget resolves as the next source, or BUDGET_EXCEEDED when none is allowed', async () => {
    const { vault } = setup(['team'], true)
    const alice = vault.for({ userId: 'alice', teamIds: ['acme'] })
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 1000 })
    await vault.for({ teamId: 'acme' }).set('openai', TEAM_KEY, { monthlyBudgetMicros: 500 })
    const own = await alice.resolve('openai')
    expect(own).toMatchObject({ source: 'user' })
    vault.recordUsage(refOf(own), { costMicros: 999 })
    expect(await alice.resolve('openai')).toMatchObject({ source: 'user' })
    vault.recordUsage(refOf(own), { costMicros: 1 })
    const team = await alice.resolve('openai')
    expect(team).toMatchObject({ source: 'team', apiKey: TEAM_KEY })
    vault.recordUsage(refOf(team), { costMicros: 500 })
    // The platform key exists but the policy (['team']) does not allow it: fail closed.
    expect(await alice.resolve('openai')).toEqual({ apiKey: null, reason: 'BUDGET_EXCEEDED' })
    expect((await alice.list())[0]).toMatchObject({ monthlyBudgetMicros: 1000 })
    expect(await vault.usageThisMonth(refOf(own))).toMatchObject({
      costMicros: 1000,
      monthlyBudgetMicros: 1000,
    })
    await vault.close()
  })

  it('falls to the platform key when allowed; a new month and a raised budget reopen a key', async () => {
    const { vault, advance } = setup(['platform'], true, Date.UTC(2026, 10, 30, 23))
    const alice = vault.for({ userId: 'alice' })
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 10 })
    const ref = refOf(await alice.resolve('openai'))
    vault.recordUsage(ref, { costMicros: 10 })
    expect(await alice.resolve('openai')).toMatchObject({ source: 'platform' })
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 11 })
    expect(await alice.resolve('openai')).toMatchObject({ source: 'user', ref })
    vault.recordUsage(ref, { costMicros: 1 })
    expect(await alice.resolve('openai')).toMatchObject({ source: 'platform' })
    advance(2 * 3600_000) // 1 December, 01:00 UTC: a new month
    expect(await alice.resolve('openai')).toMatchObject({ source: 'user' })
    // Setting without monthlyBudgetMicros keeps the budget; null removes it.
    await alice.set('openai', USER_KEY)
    expect((await alice.list())[0]?.monthlyBudgetMicros).toBe(11)
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: null })
    expect((await alice.list())[0]?.monthlyBudgetMicros).toBeNull()
    await vault.close()
  })

  it('never stores the budget in the clear, and refuses bad figures and refs', async () => {
    const { vault, store } = setup()
    const alice = vault.for({ userId: 'alice' })
    await expect(alice.set('openai', USER_KEY, { monthlyBudgetMicros: -1 })).rejects.toBeInstanceOf(
      ValidationError,
    )
    await expect(alice.set('openai', USER_KEY, { monthlyBudgetMicros: 1.5 })).rejects.toBeInstanceOf(
      ValidationError,
    )
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 123456 })
    const budget = await store.getSecret('budget:user:alice', 'openai')
    expect(budget?.ciphertext).toMatch(/^kw1\./)
    expect(JSON.stringify(budget)).not.toContain('123456')
    const ref = refOf(await alice.resolve('openai'))
    expect(() => vault.recordUsage('sk-proj-whatever', { requests: 1 })).toThrow(ValidationError)
    expect(() => vault.recordUsage(ref, { requests: -1 })).toThrow(ValidationError)
    expect(() => vault.recordUsage(ref, { dollars: 1 } as never)).toThrow(ValidationError)
    const off = createVault({ secret: randomBytes(32).toString('base64'), store, usage: false })
    expect(() => off.recordUsage(ref, { requests: 1 })).toThrow(ConfigError)
    await vault.close()
  })

  it('deleting a key deletes its budget', async () => {
    const { vault, store } = setup()
    const alice = vault.for({ userId: 'alice' })
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 5 })
    await alice.delete('openai')
    expect(await store.getSecret('budget:user:alice', 'openai')).toBeNull()
    await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 5 })
    await alice.clear()
    expect(await store.getSecret('budget:user:alice', 'openai')).toBeNull()
    await vault.close()
  })
})
