import { createHmac, hash as oneShotHash } from 'node:crypto'

/** SHA-256 hex of the whole key (litestar-api-auth compatible), or HMAC-SHA256 hex with a pepper. */
export function createKeyHasher(pepper?: string | Buffer): (key: string) => string {
  if (pepper === undefined) return (key) => oneShotHash('sha256', key, 'hex')
  const secret = typeof pepper === 'string' ? Buffer.from(pepper) : pepper
  return (key) => createHmac('sha256', secret).update(key).digest('hex')
}

/**
 * Constant-time equality of two strings of equal public length (hex digests, tokens): every
 * character is compared, with no early exit. Cheaper than Buffer.from + timingSafeEqual on the
 * verify path.
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
