import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError, DecryptError, ValidationError } from '../packages/keywarden/src/errors.js'
import { createCipher, parseCiphertext } from '../packages/keywarden/src/vault/cipher.js'
import { maskKey } from '../packages/keywarden/src/vault/mask.js'
import { secretAad } from '../packages/keywarden/src/vault/scope.js'

const SECRET = randomBytes(32).toString('base64')
const AAD = secretAad('user:alice', 'openai')
const KEY = 'sk-proj-AbCdEf0123456789AbCdEf0123456789'

describe('vault cipher', () => {
  it('writes kw1.<keyId>.<iv>.<ct+tag> with a fresh 12-byte IV every time', () => {
    const cipher = createCipher({ secret: SECRET })
    const a = cipher.encrypt(KEY, AAD)
    const b = cipher.encrypt(KEY, AAD)
    expect(a).not.toBe(b)
    const [version, keyId, iv, body] = a.split('.')
    expect(version).toBe('kw1')
    expect(keyId).toBe('k1')
    expect(Buffer.from(iv as string, 'base64url')).toHaveLength(12)
    expect(Buffer.from(body as string, 'base64url')).toHaveLength(Buffer.byteLength(KEY) + 16)
    expect(cipher.decrypt(a, AAD)).toBe(KEY)
    expect(cipher.decrypt(b, AAD)).toBe(KEY)
  })

  it('is AES-256-GCM under HKDF-SHA256 of the secret, with the scope and provider as AAD', () => {
    // An independent decryption from the documented construction, so the format is what DESIGN.md says.
    const cipher = createCipher({ secret: SECRET })
    const [, keyId, iv, body] = cipher.encrypt(KEY, AAD).split('.') as [string, string, string, string]
    const key = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(SECRET),
        Buffer.from('keywarden/vault/v1'),
        `keywarden vault data key|${keyId}`,
        32,
      ),
    )
    const raw = Buffer.from(body, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(`kw1|user:alice|openai`))
    decipher.setAuthTag(raw.subarray(raw.length - 16))
    expect(
      Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString(),
    ).toBe(KEY)
  })

  it('round-trips unicode and empty plaintexts', () => {
    const cipher = createCipher({ secret: SECRET })
    for (const text of ['', 'é🔑漢字', 'x'.repeat(5000)])
      expect(cipher.decrypt(cipher.encrypt(text, AAD), AAD)).toBe(text)
  })

  it('a ciphertext moved to another user or provider does not decrypt', () => {
    const cipher = createCipher({ secret: SECRET })
    const sealed = cipher.encrypt(KEY, AAD)
    expect(() => cipher.decrypt(sealed, secretAad('user:bob', 'openai'))).toThrow(DecryptError)
    expect(() => cipher.decrypt(sealed, secretAad('user:alice', 'anthropic'))).toThrow(DecryptError)
    expect(() => cipher.decrypt(sealed, secretAad('session', 'openai'))).toThrow(DecryptError)
  })

  it('one flipped bit anywhere in the ciphertext text or its bytes -> DecryptError', () => {
    const cipher = createCipher({ secret: SECRET })
    const sealed = cipher.encrypt(KEY, AAD)
    let tried = 0
    for (let i = 0; i < sealed.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped =
          sealed.slice(0, i) + String.fromCharCode(sealed.charCodeAt(i) ^ (1 << bit)) + sealed.slice(i + 1)
        expect(() => cipher.decrypt(flipped, AAD), `char ${i} bit ${bit}`).toThrow(DecryptError)
        tried++
      }
    }
    const [head, keyId, iv, body] = sealed.split('.') as [string, string, string, string]
    for (const [part, bytes] of [
      ['iv', Buffer.from(iv, 'base64url')],
      ['body', Buffer.from(body, 'base64url')],
    ] as const) {
      for (let i = 0; i < bytes.length * 8; i++) {
        const copy = Buffer.from(bytes)
        copy[i >> 3] = (copy[i >> 3] as number) ^ (1 << (i & 7))
        const rebuilt =
          part === 'iv'
            ? `${head}.${keyId}.${copy.toString('base64url')}.${body}`
            : `${head}.${keyId}.${iv}.${copy.toString('base64url')}`
        expect(() => cipher.decrypt(rebuilt, AAD), `${part} bit ${i}`).toThrow(DecryptError)
        tried++
      }
    }
    expect(tried).toBeGreaterThan(sealed.length * 8)
  })

  it('the wrong secret -> DecryptError that says the secret or keyring does not match, and names no secret', () => {
    const sealed = createCipher({ secret: SECRET }).encrypt(KEY, AAD)
    const other = createCipher({ secret: randomBytes(32).toString('base64') })
    let error: unknown
    try {
      other.decrypt(sealed, AAD)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DecryptError)
    expect((error as DecryptError).code).toBe('ERR_DECRYPT')
    expect((error as Error).message).toMatch(/secret or keyring does not match/)
    expect((error as Error).message).not.toContain(SECRET)
    expect((error as Error).message).not.toContain(KEY)
  })

  it('a keyring encrypts with current and decrypts with any; an unknown key id is a DecryptError', () => {
    const k1 = randomBytes(32)
    const k2 = randomBytes(32)
    const old = createCipher({ keyring: { current: 'k1', keys: { k1 } } })
    const both = createCipher({ keyring: { current: 'k2', keys: { k1, k2 } } })
    const fromOld = old.encrypt(KEY, AAD)
    expect(both.decrypt(fromOld, AAD)).toBe(KEY)
    const fromNew = both.encrypt(KEY, AAD)
    expect(fromNew.startsWith('kw1.k2.')).toBe(true)
    expect(() => old.decrypt(fromNew, AAD)).toThrow(/not in the vault's keyring/)
    // `secret` is the keyring { current: 'k1', keys: { k1: secret } }.
    expect(createCipher({ secret: k1 }).decrypt(fromOld, AAD)).toBe(KEY)
  })

  it('fingerprints with a keyed HMAC: 16 hex chars, stable per secret, different across secrets', () => {
    const a = createCipher({ secret: SECRET })
    const b = createCipher({ secret: randomBytes(32).toString('base64') })
    expect(a.fingerprint(KEY)).toMatch(/^[0-9a-f]{16}$/)
    expect(a.fingerprint(KEY)).toBe(createCipher({ secret: SECRET }).fingerprint(KEY))
    expect(a.fingerprint(KEY)).not.toBe(b.fingerprint(KEY))
    expect(a.fingerprint(KEY)).not.toBe(a.fingerprint(`${KEY}x`))
  })
})

describe('keyring checks', () => {
  // Which secrets are strong enough is test/secret-strength.test.ts; here, that the cipher asks.
  it('checks the secret and every keyring key with the secret-strength rule', () => {
    expect(() => createCipher({ secret: 'changeme'.repeat(4) })).toThrow(/^secret is too predictable/)
    const strong = randomBytes(32).toString('base64')
    expect(() =>
      createCipher({ keyring: { current: 'k2', keys: { k1: 'qwertyuiop'.repeat(4), k2: strong } } }),
    ).toThrow(/^keyring key "k1" is too predictable/)
  })

  it('refuses bad keyrings with ConfigError', () => {
    const k = randomBytes(32)
    expect(() => createCipher({})).toThrow(ConfigError)
    expect(() => createCipher({ secret: k, keyring: { current: 'k1', keys: { k1: k } } })).toThrow(
      ConfigError,
    )
    expect(() => createCipher({ keyring: { current: 'k9', keys: { k1: k } } })).toThrow(ConfigError)
    expect(() => createCipher({ keyring: { current: 'a.b', keys: { 'a.b': k } } })).toThrow(ConfigError)
    expect(() => createCipher({ keyring: { current: 'k1', keys: { k1: 'changeme' } } })).toThrow(ConfigError)
  })
})

describe('mask', () => {
  it('shows first 4 … last 4, and hides keys of 8 characters or fewer whole', () => {
    expect(maskKey('sk-proj-AbCdEf0123456789')).toBe('sk-p…6789')
    expect(maskKey('123456789')).toBe('1234…6789')
    expect(maskKey('12345678')).toBe('********')
    expect(maskKey('abc')).toBe('********')
    expect(maskKey('')).toBe('********')
  })
})

describe('ciphertext parser (property)', () => {
  const expectOnlyTypedErrors = (input: unknown) => {
    try {
      parseCiphertext(input)
    } catch (error) {
      if (!(error instanceof DecryptError || error instanceof ValidationError)) throw error
    }
  }

  it('random strings never throw anything but DecryptError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectOnlyTypedErrors), { numRuns: 5000 })
    fc.assert(fc.property(fc.anything(), expectOnlyTypedErrors), { numRuns: 2000 })
  })

  it('random kw1-shaped strings never throw anything but DecryptError, and decrypt never succeeds', () => {
    const cipher = createCipher({ secret: SECRET })
    const b64 = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.'),
      maxLength: 60,
    })
    const shaped = fc
      .tuple(fc.constantFrom('kw1', 'kw2', ''), fc.constantFrom('k1', 'k2', '', 'k.1'), b64, b64)
      .map((parts) => parts.join('.'))
    fc.assert(
      fc.property(shaped, (text) => {
        expectOnlyTypedErrors(text)
        expect(() => cipher.decrypt(text, AAD)).toThrow(DecryptError)
      }),
      { numRuns: 5000 },
    )
  })

  it('parses what encrypt wrote, and only the canonical encoding of it', () => {
    const cipher = createCipher({ secret: SECRET })
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (plaintext) => {
        const sealed = cipher.encrypt(plaintext, AAD)
        expect(parseCiphertext(sealed).keyId).toBe('k1')
        expect(() => parseCiphertext(`${sealed}=`)).toThrow(DecryptError)
        expect(() => parseCiphertext(` ${sealed}`)).toThrow(DecryptError)
      }),
      { numRuns: 500 },
    )
  })
})
