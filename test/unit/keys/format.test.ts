import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../packages/keywarden/src/errors.js'
import {
  assertPrefix,
  BASE62,
  CHECKSUM_LENGTH,
  checksum,
  crc32Ascii,
  ENTROPY_LENGTH,
  generateKey,
  parseKey,
  randomBase62,
} from '../../../packages/keywarden/src/keys/format.js'

describe('key format', () => {
  it('generates <prefix>_<43 base62><6 base62 checksum> and parses it back', () => {
    const { key, start } = generateKey('acme_live')
    expect(key).toMatch(/^acme_live_[0-9A-Za-z]{49}$/)
    expect(key).toHaveLength('acme_live_'.length + ENTROPY_LENGTH + CHECKSUM_LENGTH)
    expect(start).toBe(key.slice(0, 'acme_live_'.length + 4))
    const parsed = parseKey(key, 'acme_live')
    expect(parsed).toEqual({ prefix: 'acme_live', entropy: key.slice(10, 53), checksum: key.slice(53) })
  })

  it('checksum is CRC32 of everything before it, as 6 zero-padded base62 characters', () => {
    const { key } = generateKey('t')
    const body = key.slice(0, -6)
    let n = crc32(Buffer.from(body))
    let expected = ''
    for (let i = 0; i < 6; i++) {
      expected = BASE62[n % 62] + expected
      n = Math.floor(n / 62)
    }
    expect(checksum(body)).toBe(expected)
    expect(key.slice(-6)).toBe(expected)
    for (let i = 0; i < 200; i++) {
      const text = randomBytes(30).toString('base64url')
      expect(crc32Ascii(text)).toBe(crc32(Buffer.from(text)))
    }
    expect(checksum('')).toBe('000000')
  })

  it('rejects wrong prefix, length, alphabet and checksum', () => {
    const { key } = generateKey('acme')
    expect(parseKey(key, 'acm')).toBeNull()
    expect(parseKey(key.replace('acme_', 'acmf_'), 'acme')).toBeNull()
    expect(parseKey(key.slice(0, -1), 'acme')).toBeNull()
    expect(parseKey(`${key}0`, 'acme')).toBeNull()
    expect(parseKey(`${key.slice(0, 10)}-${key.slice(11)}`, 'acme')).toBeNull()
    expect(parseKey(key.replace('acme_', 'acme-'), 'acme')).toBeNull()
    const last = key.at(-1) === 'a' ? 'b' : 'a'
    expect(parseKey(key.slice(0, -1) + last, 'acme')).toBeNull()
    expect(parseKey(undefined, 'acme')).toBeNull()
    expect(parseKey(42, 'acme')).toBeNull()
  })

  it('draws base62 characters uniformly (rejection sampling, no modulo bias)', () => {
    const counts = new Map<string, number>()
    const sample = randomBase62(62 * 2000)
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    expect(counts.size).toBe(62)
    // With modulo bias the first 8 characters would be drawn ~25% more often than the rest.
    const low = [...'01234567'].reduce((n, ch) => n + (counts.get(ch) ?? 0), 0) / 8
    const high = [...'wxyz'].reduce((n, ch) => n + (counts.get(ch) ?? 0), 0) / 4
    expect(low / high).toBeGreaterThan(0.85)
    expect(low / high).toBeLessThan(1.15)
  })

  it('accepts valid prefixes and refuses others with ConfigError', () => {
    for (const ok of ['a', 'acme', 'acme_live', 'a1_b2_c3', 'x'.repeat(24)])
      expect(() => assertPrefix(ok)).not.toThrow()
    for (const bad of ['', '_a', 'a_', 'Acme', 'a-b', 'x'.repeat(25), 'a b', 5, null]) {
      expect(() => assertPrefix(bad)).toThrow(ConfigError)
    }
  })
})
