import { randomBytes } from 'node:crypto'
import type { SecretRecord, StoredKey } from '../stores/types.js'

let sequence = 0

/** A valid StoredKey with a unique id and hash; override any field. */
export function makeStoredKey(overrides: Partial<StoredKey> = {}): StoredKey {
  const at = new Date()
  sequence++
  return {
    id: `key_test${sequence}_${randomBytes(6).toString('hex')}`,
    hash: randomBytes(32).toString('hex'),
    name: `key ${sequence}`,
    ownerId: null,
    prefix: 'test',
    start: 'test_abcd',
    scopes: [],
    metadata: {},
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    remaining: null,
    refill: null,
    rateLimits: [],
    legacy: false,
    lastRefillAt: null,
    ...overrides,
  }
}

/** A SecretRecord with plausible (not decryptable) contents; override any field. */
export function makeSecretRecord(overrides: Partial<SecretRecord> = {}): SecretRecord {
  const at = new Date()
  return {
    scope: `user:${randomBytes(6).toString('hex')}`,
    provider: 'openai',
    ciphertext: `kw1.k1.${randomBytes(12).toString('base64url')}.${randomBytes(40).toString('base64url')}`,
    keyId: 'k1',
    fingerprint: randomBytes(8).toString('hex'),
    masked: 'sk-p…abcd',
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    ...overrides,
  }
}

export function uniqueOwner(label = 'owner'): string {
  return `${label}-${randomBytes(8).toString('hex')}`
}
