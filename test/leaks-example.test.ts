import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { leakDemo } from '../examples/leaks.js'

describe('the leaks example of docs/leaks.md', () => {
  it('is shown verbatim in docs/leaks.md', () => {
    const docs = readFileSync(new URL('../docs/leaks.md', import.meta.url), 'utf8')
    const example = readFileSync(new URL('../examples/leaks.ts', import.meta.url), 'utf8')
    expect(docs).toContain(example.trim())
  })

  it('does what its comments say', async () => {
    const result = await leakDemo()
    expect(result.shaped).toBe(2)
    expect(result.found).toHaveLength(1)
    expect([result.label, result.valid]).toEqual(['true_positive', false])
    expect(result.seen).toEqual(['key.created', 'key.expiring 7', 'key.leaked', 'key.revoked'])
  })
})
