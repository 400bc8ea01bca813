import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKeywarden } from '../../../packages/keywarden/src/index.js'
import { BASE62 } from '../../../packages/keywarden/src/keys/format.js'
import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'
import { countingStore } from '../../../packages/keywarden/src/testing/index.js'

describe('verify never throws and never accepts what it should not (fast-check)', async () => {
  const store = countingStore(memoryStore())
  const warden = createKeywarden({ store, prefix: 'acme_live', lastUsed: false })
  const { key } = await warden.keys.create({ name: 'real' })

  it('10,000 random strings: never valid, never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.stringMatching(/^acme_live_[0-9A-Za-z]{49}$/),
          fc
            .string({ unit: fc.constantFrom(...BASE62), minLength: 49, maxLength: 49 })
            .map((s) => `acme_live_${s}`),
        ),
        async (input) => {
          const result = await warden.keys.verify(input)
          expect(result.valid).toBe(false)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('10,000 single-character mutations of a valid key: never valid, never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: key.length - 1 }),
        fc.oneof(
          fc.constantFrom(...BASE62, '_', '-', ' ', '\u0000', 'é'),
          fc.string({ minLength: 1, maxLength: 1 }),
        ),
        fc.constantFrom('replace', 'insert', 'delete'),
        async (at, ch, op) => {
          const mutated =
            op === 'replace'
              ? key.slice(0, at) + ch + key.slice(at + 1)
              : op === 'insert'
                ? key.slice(0, at) + ch + key.slice(at)
                : key.slice(0, at) + key.slice(at + 1)
          fc.pre(mutated !== key)
          const result = await warden.keys.verify(mutated)
          expect(result.valid).toBe(false)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('anything that is not a string, and 10 MB strings, is MALFORMED with no store call', async () => {
    store.resetCalls()
    const huge = 'a'.repeat(10 * 1024 * 1024)
    for (const input of [
      undefined,
      null,
      0,
      1.5,
      Number.NaN,
      true,
      {},
      [],
      [key],
      { key },
      () => key,
      huge,
      `${key}${huge}`,
    ]) {
      expect(await warden.keys.verify(input)).toEqual({ valid: false, code: 'MALFORMED' })
    }
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (input) => {
        fc.pre(typeof input !== 'string')
        expect(await warden.keys.verify(input)).toEqual({ valid: false, code: 'MALFORMED' })
      }),
      { numRuns: 1000 },
    )
    expect(store.calls).toEqual({})
    expect((await warden.keys.verify(key)).valid).toBe(true)
  })
})
