// Fernet (https://github.com/fernet/spec), decrypt side plus encrypt for tests and fixtures:
// 0x80 | timestamp (8 bytes, big-endian seconds) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32).
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { DecryptError, ValidationError } from '../errors.js'

export interface FernetKey {
  signingKey: Buffer
  encryptionKey: Buffer
}

export interface FernetDecryptOptions {
  /** Reject tokens older than this many seconds; when set, also reject tokens from > 60 s in the future. */
  ttlSec?: number
  now?: () => Date
}

const VERSION = 0x80
const MAX_CLOCK_SKEW_SEC = 60
const HEADER = 1 + 8 + 16
const HMAC_BYTES = 32
const BLOCK = 16

/** urlsafe base64 with optional correct padding, nothing else (Python's decoder would skip junk). */
function decodeBase64Url(text: string): Buffer | null {
  const match = /^([A-Za-z0-9_-]*)(={0,2})$/.exec(text)
  if (!match) return null
  const [, body = '', padding = ''] = match
  if (body.length % 4 === 1) return null
  if (padding.length > 0 && (body.length + padding.length) % 4 !== 0) return null
  return Buffer.from(body, 'base64url')
}

/** A Fernet key from its urlsafe base64 text (32 bytes: signing key, then encryption key). */
export function fernetKey(key: string | Uint8Array): FernetKey {
  const bytes = typeof key === 'string' ? decodeBase64Url(key) : Buffer.from(key)
  if (bytes?.length !== 32) {
    throw new ValidationError('a Fernet key must be 32 bytes, urlsafe base64 encoded', { field: 'key' })
  }
  return { signingKey: bytes.subarray(0, 16), encryptionKey: bytes.subarray(16) }
}

const fail = (reason: string) => new DecryptError(`Fernet token rejected: ${reason}`)

/** Verifies the HMAC (constant time) before anything is decrypted; throws DecryptError saying why it failed. */
export function fernetDecrypt(
  token: string,
  key: FernetKey | string,
  { ttlSec, now = () => new Date() }: FernetDecryptOptions = {},
): Buffer {
  const { signingKey, encryptionKey } = typeof key === 'string' ? fernetKey(key) : key
  if (typeof token !== 'string') throw fail('the token is not a string')
  const data = decodeBase64Url(token)
  if (!data) throw fail('the token is not urlsafe base64')
  if (data.length < HEADER + BLOCK + HMAC_BYTES) throw fail('the token is too short')
  if (data[0] !== VERSION) throw fail('unknown version (not 0x80)')

  const signed = data.subarray(0, data.length - HMAC_BYTES)
  const expected = createHmac('sha256', signingKey).update(signed).digest()
  if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_BYTES))) {
    throw fail(
      'HMAC mismatch: the token was changed, or the key (app secret) is not the one it was made with',
    )
  }

  const timestamp = Number(data.readBigUInt64BE(1))
  if (ttlSec !== undefined) {
    const current = Math.floor(now().getTime() / 1000)
    if (timestamp + ttlSec < current) throw fail('the token has expired (older than its TTL)')
    if (timestamp > current + MAX_CLOCK_SKEW_SEC) throw fail('the token timestamp is too far in the future')
  }

  const ciphertext = signed.subarray(HEADER)
  if (ciphertext.length % BLOCK !== 0) throw fail('the ciphertext is not a whole number of AES blocks')
  try {
    const decipher = createDecipheriv('aes-128-cbc', encryptionKey, data.subarray(9, HEADER))
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch (cause) {
    throw new DecryptError('Fernet token rejected: bad padding after decryption', { cause })
  }
}

/** Makes a Fernet token (for tests and fixtures; keywarden stores nothing in Fernet). */
export function fernetEncrypt(
  plaintext: string | Uint8Array,
  key: FernetKey | string,
  { iv = randomBytes(16), now = new Date() }: { iv?: Uint8Array; now?: Date } = {},
): string {
  const { signingKey, encryptionKey } = typeof key === 'string' ? fernetKey(key) : key
  const header = Buffer.alloc(HEADER)
  header[0] = VERSION
  header.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 1000)), 1)
  Buffer.from(iv).copy(header, 9)
  const cipher = createCipheriv('aes-128-cbc', encryptionKey, iv)
  const signed = Buffer.concat([header, cipher.update(plaintext), cipher.final()])
  const hmac = createHmac('sha256', signingKey).update(signed).digest()
  const text = Buffer.concat([signed, hmac]).toString('base64url')
  return text + '='.repeat((4 - (text.length % 4)) % 4)
}
