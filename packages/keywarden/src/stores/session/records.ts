import type { SecretRecord } from '../types.js'

/**
 * How a session holds the vault: one value under one session key, JSON-safe (session stores
 * serialize with JSON, so Dates are kept as epoch milliseconds) and compact (a sealed cookie has 4 KB).
 * `s[scope][provider] = [ciphertext, keyId, fingerprint, masked, createdAt, updatedAt, expiresAt | null]`
 */
export interface SessionVault {
  v: 1
  s: Record<string, Record<string, PackedRecord>>
}

export type PackedRecord = [string, string, string, string, number, number, number | null]

/** Null-prototype maps, so a scope or provider named `__proto__` is just a key. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

export function emptyVault(): SessionVault {
  return { v: 1, s: dict() }
}

function isPacked(value: unknown): value is PackedRecord {
  return (
    Array.isArray(value) &&
    value.length === 7 &&
    value.slice(0, 4).every((part) => typeof part === 'string') &&
    Number.isFinite(value[4]) &&
    Number.isFinite(value[5]) &&
    (value[6] === null || Number.isFinite(value[6]))
  )
}

/** Reads what the session holds; anything not in our shape (another app's value, a tampered entry) is dropped. */
export function readVault(value: unknown): SessionVault {
  const vault = emptyVault()
  if (!value || typeof value !== 'object' || (value as SessionVault).v !== 1) return vault
  const scopes = (value as SessionVault).s
  if (!scopes || typeof scopes !== 'object') return vault
  for (const [scope, providers] of Object.entries(scopes)) {
    if (!providers || typeof providers !== 'object') continue
    const kept = dict<PackedRecord>()
    for (const [provider, packed] of Object.entries(providers)) if (isPacked(packed)) kept[provider] = packed
    if (Object.keys(kept).length > 0) vault.s[scope] = kept
  }
  return vault
}

export function pack(record: SecretRecord): PackedRecord {
  return [
    record.ciphertext,
    record.keyId,
    record.fingerprint,
    record.masked,
    record.createdAt.getTime(),
    record.updatedAt.getTime(),
    record.expiresAt ? record.expiresAt.getTime() : null,
  ]
}

export function unpack(scope: string, provider: string, packed: PackedRecord): SecretRecord {
  const [ciphertext, keyId, fingerprint, masked, createdAt, updatedAt, expiresAt] = packed
  return {
    scope,
    provider,
    ciphertext,
    keyId,
    fingerprint,
    masked,
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
    expiresAt: expiresAt === null ? null : new Date(expiresAt),
  }
}
