import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError, findKeys, keyPattern, parseKey } from '../../../packages/keywarden/src/index.js'
import { BASE62, generateKey } from '../../../packages/keywarden/src/keys/format.js'

const prefixes = fc.constantFrom('kw', 'myapp', 'acme_live', '9x')
const base62 = (n: number) => fc.string({ unit: fc.constantFrom(...BASE62), minLength: n, maxLength: n })

describe('keyPattern', () => {
  it('matches every generated key, alone and inside text', () => {
    fc.assert(
      fc.property(prefixes, fc.string(), fc.string(), (prefix, before, after) => {
        const { key } = generateKey(prefix)
        expect(keyPattern(prefix).test(key)).toBe(true)
        const text = `${before} ${key}\n${after}`
        expect(findKeys(text, prefix)).toContain(key)
      }),
    )
  })

  it('does not match random strings of the same shape often, and findKeys drops them by checksum', () => {
    fc.assert(
      fc.property(prefixes, base62(49), (prefix, body) => {
        const candidate = `${prefix}_${body}`
        // The shape matches; the checksum almost never does (1 in 62^6).
        expect(keyPattern(prefix).test(candidate)).toBe(true)
        expect(findKeys(candidate, prefix)).toEqual(parseKey(candidate, prefix) ? [candidate] : [])
      }),
    )
  })

  it('refuses near misses: one character short or long, another prefix, inside a longer token, a changed character', () => {
    fc.assert(
      fc.property(prefixes, fc.nat(48), fc.constantFrom(...BASE62), (prefix, at, ch) => {
        const { key } = generateKey(prefix)
        const pattern = keyPattern(prefix)
        expect(pattern.test(key.slice(0, -1))).toBe(false)
        expect(pattern.test(`${key}A`)).toBe(false)
        expect(pattern.test(`x${key}`)).toBe(false)
        expect(pattern.test(`${key}_`)).toBe(false)
        expect(keyPattern('other').test(key)).toBe(false)
        const i = prefix.length + 1 + at
        const changed = key.slice(0, i) + ch + key.slice(i + 1)
        if (changed !== key) expect(findKeys(changed, prefix)).toEqual([])
      }),
    )
  })

  it('has no flags (safe to .test repeatedly) and refuses a bad prefix with ConfigError', () => {
    const pattern = keyPattern('kw')
    const { key } = generateKey('kw')
    expect(pattern.flags).toBe('')
    expect([pattern.test(key), pattern.test(key)]).toEqual([true, true])
    expect(() => keyPattern('Bad-Prefix')).toThrow(ConfigError)
    expect(() => findKeys(42 as unknown as string, 'kw')).toThrow(/text must be a string/)
  })
})
