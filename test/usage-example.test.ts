import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { usageReport } from '../examples/usage-report.js'

describe('the usage example runs and matches docs/analytics.md', () => {
  it('is shown verbatim in docs/analytics.md', () => {
    const source = readFileSync(new URL('../examples/usage-report.ts', import.meta.url), 'utf8')
    expect(readFileSync(new URL('../docs/analytics.md', import.meta.url), 'utf8')).toContain(source)
  })

  it('reports the counts the example describes', async () => {
    const { perKey, perOwner, keyless } = await usageReport()
    const sum = (buckets: typeof perKey) =>
      buckets.reduce(
        (a, b) => ({
          valid: a.valid + b.valid,
          spent: a.spent + b.spent,
          scopes: a.scopes + (b.invalid.INSUFFICIENT_SCOPES ?? 0),
          malformed: a.malformed + (b.invalid.MALFORMED ?? 0),
        }),
        { valid: 0, spent: 0, scopes: 0, malformed: 0 },
      )
    expect(sum(perKey)).toEqual({ valid: 1, spent: 3, scopes: 1, malformed: 0 })
    expect(sum(perOwner)).toEqual(sum(perKey))
    expect(sum(keyless)).toEqual({ valid: 0, spent: 0, scopes: 0, malformed: 1 })
  })
})
