import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DecryptError, ValidationError } from '../packages/keywarden/src/errors.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault, type FallbackStep } from '../packages/keywarden/src/vault/index.js'

const USER_KEY = 'sk-proj-UserAbCdEf0123456789AbCdEf01234'
const TEAM_KEY = 'sk-proj-TeamAbCdEf0123456789AbCdEf01234'
const TEAM2_KEY = 'sk-proj-Team2AbCdEf0123456789AbCdEf0123'
const PLATFORM_KEY = 'sk-proj-PlatformAbCdEf0123456789AbCdEf0'

const POLICIES: FallbackStep[][] = [[], ['team'], ['platform'], ['team', 'platform'], ['platform', 'team']]

function setup(fallback: FallbackStep[], platform: boolean) {
  const store = memoryStore()
  const vault = createVault({
    secret: randomBytes(32).toString('base64'),
    store,
    providers: { openai: { fallback, ...(platform ? { platformKey: PLATFORM_KEY } : {}) } },
  })
  return { store, vault }
}

describe('resolve: own key → team key → platform key, per policy', () => {
  for (const fallback of POLICIES) {
    for (const own of [false, true]) {
      for (const team of [false, true]) {
        for (const platform of [false, true]) {
          const name = `policy [${fallback.join(', ')}], own ${own}, team ${team}, platform ${platform}`
          it(name, async () => {
            const { vault } = setup(fallback, platform)
            if (own) await vault.for({ userId: 'alice' }).set('openai', USER_KEY)
            if (team) await vault.for({ teamId: 'acme' }).set('openai', TEAM_KEY)
            const result = await vault.for({ userId: 'alice', teamIds: ['acme'] }).resolve('openai')
            const steps = fallback.filter((s) => (s === 'team' ? team : platform))
            if (own) expect(result).toMatchObject({ apiKey: USER_KEY, source: 'user' })
            else if (steps[0] === 'team') {
              expect(result).toMatchObject({ apiKey: TEAM_KEY, source: 'team', teamId: 'acme' })
            } else if (steps[0] === 'platform') {
              expect(result).toMatchObject({ apiKey: PLATFORM_KEY, source: 'platform' })
            } else expect(result).toEqual({ apiKey: null, reason: 'MISSING' })
          })
        }
      }
    }
  }

  it('tries teams in the order given and skips expired keys', async () => {
    const { vault } = setup(['team'], false)
    await vault.for({ teamId: 'a' }).set('openai', TEAM_KEY, { ttlMs: 1 })
    await vault.for({ teamId: 'b' }).set('openai', TEAM2_KEY)
    await new Promise((r) => setTimeout(r, 5))
    const r = await vault.for({ userId: 'u', teamIds: ['a', 'b'] }).resolve('openai')
    expect(r).toMatchObject({ apiKey: TEAM2_KEY, source: 'team', teamId: 'b' })
    const first = await vault.for({ userId: 'u', teamIds: ['b', 'a'] }).resolve('openai')
    expect(first).toMatchObject({ teamId: 'b' })
  })

  it('a team handle resolves its own key, then the platform key; never another team', async () => {
    const { vault } = setup(['team', 'platform'], true)
    expect(await vault.for({ teamId: 'acme' }).resolve('openai')).toMatchObject({ source: 'platform' })
    await vault.for({ teamId: 'acme' }).set('openai', TEAM_KEY)
    expect(await vault.for({ teamId: 'acme' }).resolve('openai')).toMatchObject({
      apiKey: TEAM_KEY,
      source: 'team',
    })
  })

  it('gives refs that name the key without revealing it; a replaced key is a new ref', async () => {
    const { vault } = setup(['team', 'platform'], true)
    const alice = vault.for({ userId: 'alice' })
    await alice.set('openai', USER_KEY)
    const r1 = await alice.resolve('openai')
    expect(r1.apiKey).toBe(USER_KEY)
    const ref1 = (r1 as { ref: string }).ref
    expect(ref1).toMatch(/^user:alice\/openai@[0-9a-f]{8}$/)
    expect((await alice.list())[0]?.ref).toBe(ref1)
    await alice.set('openai', TEAM2_KEY)
    const ref2 = ((await alice.resolve('openai')) as { ref: string }).ref
    expect(ref2).not.toBe(ref1)
    const platform = await vault.for({ userId: 'bob' }).resolve('openai')
    expect((platform as { ref: string }).ref).toMatch(/^platform\/openai@[0-9a-f]{8}$/)
    for (const ref of [ref1, ref2]) expect(ref).not.toContain(USER_KEY.slice(8, 16))
  })

  it('records secret.resolved in the audit log with source and ref, never the key', async () => {
    const { vault, store } = setup(['team', 'platform'], true)
    await vault.for({ teamId: 'acme' }).set('openai', TEAM_KEY)
    await vault.for({ userId: 'alice', teamIds: ['acme'] }).resolve('openai', { requestId: 'req-1' })
    await vault.for({ userId: 'bob' }).resolve('openai')
    const closed = createVault({
      secret: randomBytes(32).toString('base64'),
      store,
      providers: { openai: { fallback: [] } },
    })
    await closed.for({ userId: 'carol' }).resolve('openai')
    const { items } = await store.listAudit({ action: 'secret.resolved', limit: 100 })
    const details = items.map((e) => e.detail)
    expect(details).toContainEqual({ source: 'team', ref: expect.stringMatching(/^team:acme\/openai@/) })
    expect(details).toContainEqual({ source: 'platform', ref: expect.stringMatching(/^platform\/openai@/) })
    expect(details).toContainEqual({ source: 'none', reason: 'MISSING' })
    const text = JSON.stringify(items)
    for (const key of [TEAM_KEY, PLATFORM_KEY]) expect(text).not.toContain(key)
  })

  it('a team key moved to another team does not decrypt', async () => {
    const { vault, store } = setup(['team'], false)
    await vault.for({ teamId: 'acme' }).set('openai', TEAM_KEY)
    const record = await store.getSecret('team:acme', 'openai')
    if (!record) throw new Error('team key not stored')
    await store.putSecret({ ...record, scope: 'team:rival' })
    await expect(vault.for({ teamId: 'rival' }).get('openai')).rejects.toBeInstanceOf(DecryptError)
    await expect(
      vault.for({ userId: 'mallory', teamIds: ['rival'] }).resolve('openai'),
    ).rejects.toBeInstanceOf(DecryptError)
    await store.putSecret({ ...record, scope: 'user:mallory' })
    await expect(vault.for({ userId: 'mallory' }).get('openai')).rejects.toBeInstanceOf(DecryptError)
  })

  it('validates owners: teamId alone, teamIds an array of ids, unknown providers', async () => {
    const { vault } = setup([], false)
    expect(() => vault.for({ teamId: '' })).toThrow(ValidationError)
    expect(() => vault.for({ teamId: 'a', userId: 'b' })).toThrow(ValidationError)
    expect(() => vault.for({ userId: 'b', teamIds: 'a' as unknown as string[] })).toThrow(ValidationError)
    expect(() => vault.for({ userId: 'b', teamIds: [''] })).toThrow(ValidationError)
    await expect(vault.for({ userId: 'b' }).resolve('nope')).rejects.toBeInstanceOf(ValidationError)
  })
})
