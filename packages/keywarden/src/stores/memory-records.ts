import { deepFreeze } from './freeze.js'
import type { StoredKey } from './types.js'

/** Copies what the caller handed us, so later changes to their objects do not reach the store. */
export function own(key: StoredKey): StoredKey {
  return deepFreeze({
    ...key,
    scopes: [...key.scopes],
    metadata: structuredClone(key.metadata),
    refill: key.refill ? { ...key.refill } : null,
    rateLimits: key.rateLimits.map((rule) => ({ ...rule })),
    createdAt: new Date(key.createdAt),
    updatedAt: new Date(key.updatedAt),
    expiresAt: key.expiresAt && new Date(key.expiresAt),
    revokedAt: key.revokedAt && new Date(key.revokedAt),
    lastUsedAt: key.lastUsedAt && new Date(key.lastUsedAt),
    lastRefillAt: key.lastRefillAt && new Date(key.lastRefillAt),
    limitId: key.limitId ?? null,
    limitCreatedAt: key.limitCreatedAt ? new Date(key.limitCreatedAt) : null,
  })
}
