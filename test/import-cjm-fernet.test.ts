import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecryptError, ValidationError } from '../packages/keywarden/src/errors.js'
import { fernetDecrypt, fernetEncrypt, fernetKey } from '../packages/keywarden/src/import/fernet.js'

interface Vector {
  desc?: string
  token: string
  now: string
  secret: string
  src?: string
  iv?: number[]
  ttl_sec?: number
}

/** The spec's files as published (see test/fixtures/fernet/SOURCE.md): trailing commas allowed, TODO entries skipped. */
function vectors(name: string): Vector[] {
  const text = readFileSync(new URL(`./fixtures/fernet/${name}`, import.meta.url), 'utf8')
  const all = JSON.parse(text.replace(/,(\s*[\]}])/g, '$1')) as Vector[]
  return all.filter((v) => v.token !== 'TODO')
}

describe('Fernet against the spec vectors', () => {
  const generate = vectors('generate.json')
  const verify = vectors('verify.json')
  const invalid = vectors('invalid.json')

  it('has the vectors', () => {
    expect(generate.length).toBeGreaterThanOrEqual(1)
    expect(verify.length).toBeGreaterThanOrEqual(1)
    expect(invalid.length).toBe(11)
  })

  it('generate.json: produces exactly the published token from the same key, IV and time', () => {
    for (const v of generate) {
      const token = fernetEncrypt(v.src as string, v.secret, {
        iv: Uint8Array.from(v.iv as number[]),
        now: new Date(v.now),
      })
      expect(token).toBe(v.token)
    }
  })

  it('verify.json: decrypts each token to its source with the TTL at the given time', () => {
    for (const v of verify) {
      const plain = fernetDecrypt(v.token, v.secret, {
        ttlSec: v.ttl_sec as number,
        now: () => new Date(v.now),
      })
      expect(plain.toString('utf8')).toBe(v.src)
    }
  })

  for (const v of vectors('invalid.json')) {
    it(`invalid.json: rejects "${v.desc}" with a DecryptError`, () => {
      expect(() =>
        fernetDecrypt(v.token, v.secret, { ttlSec: v.ttl_sec as number, now: () => new Date(v.now) }),
      ).toThrow(DecryptError)
    })
  }

  it('checks the HMAC before decrypting: a bad MAC is reported as such', () => {
    const bad = invalid.find((v) => v.desc === 'incorrect mac') as Vector
    expect(() => fernetDecrypt(bad.token, bad.secret)).toThrow(/HMAC mismatch/)
    const v = verify[0] as Vector
    // The right token under another key fails its HMAC too.
    expect(() => fernetDecrypt(v.token, Buffer.alloc(32, 1).toString('base64url'))).toThrow(/HMAC mismatch/)
  })

  it('without a TTL, token age is not checked (as Python cryptography without ttl)', () => {
    const v = verify[0] as Vector
    expect(fernetDecrypt(v.token, v.secret).toString()).toBe('hello')
  })

  it('round-trips and never throws anything but DecryptError/ValidationError on random input', () => {
    const key = fernetKey(Buffer.alloc(32, 9).toString('base64url'))
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(fernetDecrypt(fernetEncrypt(text, key), key).toString('utf8')).toBe(text)
        try {
          fernetDecrypt(text, key)
        } catch (error) {
          if (!(error instanceof DecryptError || error instanceof ValidationError)) throw error
        }
      }),
      { numRuns: 1000 },
    )
  })
})
