import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import { ConfigError, DecryptError } from '../errors.js'
import { assertStrongSecret, type SecretInput } from '../secrets/strength.js'

/** Versioned secrets: encrypt with `current`, decrypt with any. */
export interface Keyring {
  current: string
  keys: Record<string, SecretInput>
}

export interface CipherOptions {
  secret?: SecretInput | undefined
  keyring?: Keyring | undefined
}

export interface ParsedCiphertext {
  keyId: string
  iv: Buffer
  /** Ciphertext followed by the 16-byte GCM tag. */
  body: Buffer
}

export interface VaultCipher {
  readonly currentKeyId: string
  readonly keyIds: readonly string[]
  encrypt(plaintext: string, aad: string): string
  /** Throws DecryptError for a malformed ciphertext, an unknown key id or a failed tag check. */
  decrypt(ciphertext: string, aad: string): string
  /** HMAC-SHA256 of the plaintext under a key derived from the current secret, 16 hex chars. */
  fingerprint(plaintext: string): string
}

/** The key id a plain `secret` gets, so a later keyring can keep decrypting with it. */
export const DEFAULT_KEY_ID = 'k1'
export const CIPHERTEXT_VERSION = 'kw1'
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/
const IV_BYTES = 12
const IV_CHARS = 16
const TAG_BYTES = 16
const HKDF_SALT = Buffer.from('keywarden/vault/v1')
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function derive(secret: Buffer, purpose: string, keyId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, `keywarden ${purpose}|${keyId}`, 32))
}

// The whole shape in one regex (fast in V8); the trailing-bits check below makes the encoding canonical.
const SHAPE = /^kw1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/

interface Located {
  keyId: string
  ivStart: number
  bodyStart: number
  bodyBytes: number
}

/** Finds and validates the parts of `kw1.<keyId>.<iv>.<body>` without decoding them; null when malformed. */
function locate(text: unknown): Located | null {
  if (typeof text !== 'string' || !SHAPE.test(text)) return null
  const keyEnd = text.indexOf('.', 4)
  const bodyStart = keyEnd + IV_CHARS + 2
  const bodyChars = text.length - bodyStart
  const rest = bodyChars % 4
  if (rest === 1) return null
  if (rest !== 0) {
    // Unused low bits of the last character must be zero, or two texts would decode to one value.
    const last = B64URL.indexOf(text[text.length - 1] as string)
    if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) return null
  }
  return { keyId: text.slice(4, keyEnd), ivStart: keyEnd + 1, bodyStart, bodyBytes: (bodyChars * 3) >> 2 }
}

const malformed = () =>
  new DecryptError(
    'the stored ciphertext is not a valid kw1 ciphertext: it was changed, truncated or not written by keywarden; nothing was deleted',
  )

/** Parses `kw1.<keyId>.<iv>.<ciphertext+tag>`; throws DecryptError on anything else. Never throws another error. */
export function parseCiphertext(ciphertext: unknown): ParsedCiphertext {
  const found = locate(ciphertext)
  if (!found) throw malformed()
  const text = ciphertext as string
  return {
    keyId: found.keyId,
    iv: Buffer.from(text.slice(found.ivStart, found.bodyStart - 1), 'base64url'),
    body: Buffer.from(text.slice(found.bodyStart), 'base64url'),
  }
}

// decrypt decodes into this buffer instead of allocating: decipher calls copy what they need and
// nothing awaits in between, so one scratch buffer per process is safe.
const scratch = Buffer.allocUnsafe(32 * 1024)

function normalizeKeyring({ secret, keyring }: CipherOptions): {
  current: string
  keys: Map<string, Buffer>
} {
  if (secret !== undefined && keyring !== undefined) {
    throw new ConfigError('pass either `secret` or `keyring`, not both')
  }
  if (secret !== undefined) {
    return {
      current: DEFAULT_KEY_ID,
      keys: new Map([[DEFAULT_KEY_ID, assertStrongSecret(secret, 'secret')]]),
    }
  }
  if (!keyring || typeof keyring !== 'object' || !keyring.keys || typeof keyring.keys !== 'object') {
    throw new ConfigError(
      'pass `secret` (at least 32 random bytes) or `keyring: { current: "k2", keys: { k1: "…", k2: "…" } }`',
    )
  }
  const keys = new Map<string, Buffer>()
  for (const [id, value] of Object.entries(keyring.keys)) {
    if (!KEY_ID.test(id)) {
      throw new ConfigError(`keyring key id "${id.slice(0, 40)}" must be 1-32 characters of A-Z a-z 0-9 _ -`)
    }
    keys.set(id, assertStrongSecret(value, `keyring key "${id}"`))
  }
  if (typeof keyring.current !== 'string' || !keys.has(keyring.current)) {
    throw new ConfigError('keyring.current must name one of the keys in keyring.keys')
  }
  return { current: keyring.current, keys }
}

/** AES-256-GCM under HKDF-SHA256 data keys, derived once per key id at construction. */
export function createCipher(options: CipherOptions): VaultCipher {
  const { current, keys } = normalizeKeyring(options)
  const dataKeys = new Map<string, KeyObject>()
  for (const [id, secret] of keys) dataKeys.set(id, createSecretKey(derive(secret, 'vault data key', id)))
  const currentKey = dataKeys.get(current) as KeyObject
  const fingerprintKey = createSecretKey(
    derive(keys.get(current) as Buffer, 'vault fingerprint key', current),
  )
  const prefix = `${CIPHERTEXT_VERSION}.${current}.`

  return {
    currentKeyId: current,
    keyIds: [...keys.keys()],

    encrypt(plaintext, aad) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv)
      cipher.setAAD(Buffer.from(aad, 'utf8'))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
      return `${prefix}${iv.toString('base64url')}.${body.toString('base64url')}`
    },

    decrypt(ciphertext, aad) {
      const found = locate(ciphertext)
      if (!found) throw malformed()
      const text = ciphertext as string
      const key = dataKeys.get(found.keyId)
      if (!key) {
        throw new DecryptError(
          `the secret was encrypted with key "${found.keyId}", which is not in the vault's keyring: the secret or keyring does not match; add that key to keyring.keys (nothing was deleted)`,
        )
      }
      const aadBytes = Buffer.byteLength(aad)
      const fits = IV_BYTES + found.bodyBytes + aadBytes <= scratch.length
      const buffer = fits ? scratch : Buffer.allocUnsafe(IV_BYTES + found.bodyBytes + aadBytes)
      buffer.write(text.slice(found.ivStart, found.bodyStart - 1), 0, 'base64url')
      buffer.write(text.slice(found.bodyStart), IV_BYTES, 'base64url')
      const bodyEnd = IV_BYTES + found.bodyBytes
      buffer.write(aad, bodyEnd, 'utf8')
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, buffer.subarray(0, IV_BYTES))
        decipher.setAAD(buffer.subarray(bodyEnd, bodyEnd + aadBytes))
        decipher.setAuthTag(buffer.subarray(bodyEnd - TAG_BYTES, bodyEnd))
        const plaintext = decipher.update(buffer.subarray(IV_BYTES, bodyEnd - TAG_BYTES), undefined, 'utf8')
        decipher.final() // GCM emits nothing here; it checks the tag
        return plaintext
      } catch (cause) {
        throw new DecryptError(
          `the vault's secret or keyring does not match key "${found.keyId}" this secret was encrypted with, or the ciphertext was changed or moved to another user or provider; nothing was deleted`,
          { cause },
        )
      }
    },

    fingerprint(plaintext) {
      return createHmac('sha256', fingerprintKey).update(plaintext, 'utf8').digest('hex').slice(0, 16)
    },
  }
}
