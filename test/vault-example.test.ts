import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

describe('examples/vault-teams.ts', () => {
  it('is shown verbatim in docs/vault.md', () => {
    const source = readFileSync(new URL('../examples/vault-teams.ts', import.meta.url), 'utf8')
    const doc = readFileSync(new URL('../docs/vault.md', import.meta.url), 'utf8')
    expect(doc).toContain(source.trim())
  })

  it('runs: check, team key, budget, then the platform key', async () => {
    const { teamsDemo } = await import('../examples/vault-teams.js')
    const out = await teamsDemo()
    expect(out.check).toMatchObject({ ok: true, status: 200 })
    expect(out.first).toEqual({
      source: 'team',
      ref: expect.stringMatching(/^team:acme\/openai@[0-9a-f]{8}$/),
    })
    expect(out.second).toEqual({ source: 'platform' })
    expect(out.usage).toMatchObject({ requests: 1, costMicros: 5_000_000, monthlyBudgetMicros: 5_000_000 })
  })
})
