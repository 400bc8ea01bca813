// One secret-strength rule for every secret keywarden accepts: random secrets always pass, patterned ones never do.
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../packages/keywarden/src/errors.js'
import {
  assertStrongSecret,
  MIN_SECRET_BITS,
  secretEntropy,
} from '../packages/keywarden/src/secrets/strength.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sealedCookieSession } from '../packages/keywarden/src/stores/session/sealed-cookie.js'
import { createCipher } from '../packages/keywarden/src/vault/cipher.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { loadServerConfig } from '../packages/server/src/config.js'

const ENCODINGS: Record<string, (bytes: Uint8Array) => string | Uint8Array> = {
  raw: (bytes) => bytes,
  hex: (bytes) => Buffer.from(bytes).toString('hex'),
  HEX: (bytes) => Buffer.from(bytes).toString('hex').toUpperCase(),
  base64: (bytes) => Buffer.from(bytes).toString('base64'),
  base64url: (bytes) => Buffer.from(bytes).toString('base64url'),
}

// Uniform bytes: fast-check's default bias favours small values and would not be a random secret.
const randomSecretBytes = fc.noBias(fc.uint8Array({ minLength: 32, maxLength: 64 }))

describe('random secrets always pass', () => {
  for (const [name, encode] of Object.entries(ENCODINGS)) {
    it(`${name}-encoded random bytes (32 to 64)`, () => {
      fc.assert(
        fc.property(randomSecretBytes, (bytes) => {
          expect(() => assertStrongSecret(encode(bytes), 'secret')).not.toThrow()
        }),
        { numRuns: 400 },
      )
    })
  }

  it('with a wide margin: openssl rand -base64 32, node randomBytes(32) in every encoding', () => {
    for (let i = 0; i < 200; i++) {
      for (const encode of Object.values(ENCODINGS)) {
        expect(secretEntropy(encode(randomBytes(32))).bits).toBeGreaterThan(1.5 * MIN_SECRET_BITS)
      }
    }
  })
})

const alphabet = 'abcdefghijklmnopqrstuvwxyz'
const WEAK: Array<[string, string | Uint8Array]> = [
  ['31 random characters', randomBytes(31).toString('base64').slice(0, 31)],
  ['one character repeated', 'x'.repeat(32)],
  ['zeros', '0'.repeat(40)],
  ['two characters alternating', 'ab'.repeat(20)],
  ['qwertyuiop repeated', 'qwertyuiop'.repeat(4)],
  ['a keyboard row and its shifted twin', 'asdfghjkl;ASDFGHJKL:asdfghjkl;ASDF'],
  ['keyboard columns', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.'],
  ['the alphabet twice', alphabet.repeat(2)],
  ['the alphabet backwards, upper case, then digits', 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210'],
  ['digits counting up', '0123456789'.repeat(4)],
  ['P@ssw0rd repeated', 'P@ssw0rd'.repeat(4)],
  ['P@ssw0rd! repeated', 'P@ssw0rd!'.repeat(4)],
  ['Password123! repeated', 'Password123!'.repeat(3)],
  ['Tr0ub4dor&3 repeated', 'Tr0ub4dor&3'.repeat(3)],
  ['changeme repeated', 'changeme'.repeat(4)],
  ['a placeholder phrase', 'your-secret-key-here-please-change-me'],
  ['express-session default, repeated', 'keyboard cat keyboard cat keyboard cat'],
  ['words and a year', 'MyCompanyProductionSecretKey2024!'],
  ['correct horse battery staple', 'correcthorsebatterystaplecorrecthorse'],
  ['four characters shuffled', 'abcdabcdbadcbcdadcbaabcdcdabbadcdcba'],
  ['32 equal bytes', Buffer.alloc(32, 7)],
  ['bytes counting up', Uint8Array.from({ length: 32 }, (_, i) => i)],
  ['a random block repeated', randomBytes(8).toString('hex').repeat(4)],
]

const describeSecret = (secret: string | Uint8Array) =>
  typeof secret === 'string' ? secret.slice(0, 8) : Buffer.from(secret).toString('hex').slice(0, 8)

/** Every place a secret enters keywarden, each expected to apply the one rule. */
const ENTRY_POINTS: Array<[string, (secret: string | Uint8Array) => unknown]> = [
  ['assertStrongSecret', (secret) => assertStrongSecret(secret, 'secret')],
  ['createVault secret', (secret) => createVault({ secret, store: memoryStore() })],
  [
    'createCipher keyring key',
    (secret) => createCipher({ keyring: { current: 'k1', keys: { k1: secret } } }),
  ],
  ['sealedCookieSession', (secret) => sealedCookieSession({ secret: [randomBytes(32), secret] })],
  [
    'KEYWARDEN_SECRET',
    (secret) => loadServerConfig({ KEYWARDEN_SECRET: Buffer.from(secret).toString('latin1') }),
  ],
]

describe('weak secrets never pass', () => {
  for (const [label, secret] of WEAK) {
    it(`refuses ${label} everywhere, naming the fix and not the secret`, () => {
      for (const [where, accept] of ENTRY_POINTS) {
        let error: unknown
        try {
          accept(secret)
        } catch (e) {
          error = e
        }
        expect(error, where).toBeInstanceOf(ConfigError)
        const message = (error as Error).message
        expect(message, where).toContain('openssl rand -base64 32')
        expect(message, where).not.toContain(describeSecret(secret))
      }
    })
  }

  it('says why: too short, or which patterns it found', () => {
    expect(() => assertStrongSecret('short', 'secret')).toThrow(/^secret is 5 bytes; use at least 32/)
    expect(() => assertStrongSecret('qwertyuiop'.repeat(4), 'secret')).toThrow(/runs of neighbouring keys/)
    expect(() => assertStrongSecret(alphabet.repeat(2), 'secret')).toThrow(/sequences of letters or digits/)
    expect(() => assertStrongSecret('P@ssw0rd'.repeat(4), 'secret')).toThrow(/common words or placeholders/)
    expect(() => assertStrongSecret('x'.repeat(40), 'secret')).toThrow(/only one character/)
    expect(() => assertStrongSecret(42, 'secret')).toThrow(/must be a string or bytes/)
  })

  it('judges a very long secret by its start', () => {
    expect(() => assertStrongSecret('ab'.repeat(50_000), 'secret')).toThrow(ConfigError)
    expect(() => assertStrongSecret(randomBytes(60_000).toString('base64'), 'secret')).not.toThrow()
  })
})
