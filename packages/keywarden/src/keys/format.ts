import { randomBytes } from 'node:crypto'
import { ConfigError } from '../errors.js'

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** 43 base62 characters carry 256 bits (43 × log2 62 ≈ 256.03). */
export const ENTROPY_LENGTH = 43
export const CHECKSUM_LENGTH = 6
/** Longer key strings are MALFORMED without further work. */
export const MAX_KEY_LENGTH = 512

const PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9_]*[a-z0-9])?$/
// 248 = 4 × 62: bytes at or above it are rejected so every character is equally likely.
const REJECT_AT = 248

export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length > 24 || !PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(
      'prefix must be 1 to 24 characters of a-z and 0-9, with inner underscores allowed (e.g. "acme_live")',
    )
  }
}

/** Uniform random base62 string of `length` characters (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 4)
    for (const byte of bytes) {
      if (byte >= REJECT_AT) continue
      out += BASE62[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

// CRC32 (IEEE, as node:zlib's crc32) computed in JS: keys are ASCII, and crossing into native
// code for 50 bytes costs more than the arithmetic.
const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c
})

/** CRC32 of an ASCII string; equals node:zlib crc32(Buffer.from(text)). */
export function crc32Ascii(text: string): number {
  let crc = -1
  for (let i = 0; i < text.length; i++)
    crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

export function checksum(body: string): string {
  let n = crc32Ascii(body)
  let out = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

export interface GeneratedKey {
  key: string
  /** prefix + '_' + first 4 entropy characters, safe to display. */
  start: string
}

export function generateKey(prefix: string): GeneratedKey {
  const entropy = randomBase62(ENTROPY_LENGTH)
  const body = `${prefix}_${entropy}`
  return { key: body + checksum(body), start: `${prefix}_${entropy.slice(0, 4)}` }
}

export function generateId(): string {
  return `key_${randomBase62(22)}`
}

// 1 for each base62 character code, 0 for everything else.
const IS_BASE62 = new Uint8Array(65536)
for (const ch of BASE62) IS_BASE62[ch.charCodeAt(0)] = 1

export interface ParsedKey {
  prefix: string
  entropy: string
  checksum: string
}

/**
 * A checker for one prefix: true when a key has the prefix, the length, the alphabet and a
 * matching checksum. One pass over the entropy, no allocation; the CRC of `prefix_` is computed
 * once here. This runs before any hashing on every verification.
 */
export function createKeyChecker(prefix: string): (key: unknown) => boolean {
  const start = prefix.length + 1
  const bodyEnd = start + ENTROPY_LENGTH
  const length = bodyEnd + CHECKSUM_LENGTH
  let prefixCrc = -1
  for (const ch of `${prefix}_`)
    prefixCrc = (CRC_TABLE[(prefixCrc ^ ch.charCodeAt(0)) & 0xff] as number) ^ (prefixCrc >>> 8)
  const head = `${prefix}_`
  return (key) => {
    if (typeof key !== 'string' || key.length !== length || !key.startsWith(head)) return false
    let crc = prefixCrc
    for (let i = start; i < bodyEnd; i++) {
      const code = key.charCodeAt(i)
      if (IS_BASE62[code] !== 1) return false
      crc = (CRC_TABLE[(crc ^ code) & 0xff] as number) ^ (crc >>> 8)
    }
    let n = (crc ^ -1) >>> 0
    for (let i = length - 1; i >= bodyEnd; i--) {
      if (key.charCodeAt(i) !== BASE62.charCodeAt(n % 62)) return false
      n = Math.floor(n / 62)
    }
    return true
  }
}

const checkers = new Map<string, (key: unknown) => boolean>()

/** `createKeyChecker(prefix)(key)`, with the checker cached per prefix. */
export function isWellFormedKey(key: unknown, prefix: string): boolean {
  let check = checkers.get(prefix)
  if (!check) {
    check = createKeyChecker(prefix)
    checkers.set(prefix, check)
  }
  return check(key)
}

/**
 * Checks prefix, length, alphabet and checksum; returns null for anything else.
 * Never throws, whatever it is given, and does no hashing or I/O.
 */
export function parseKey(key: unknown, prefix: string): ParsedKey | null {
  if (typeof key !== 'string' || !isWellFormedKey(key, prefix)) return null
  const bodyEnd = prefix.length + 1 + ENTROPY_LENGTH
  return { prefix, entropy: key.slice(prefix.length + 1, bodyEnd), checksum: key.slice(bodyEnd) }
}
