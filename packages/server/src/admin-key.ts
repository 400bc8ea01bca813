import { randomBytes } from 'node:crypto'
import { ConflictError, type CreatedKey, type KeyStore, type Keywarden, type StoredKey } from 'keywarden'
import { ADMIN_SCOPE } from './dashboard/routes.js'

/** The well-known id of the first-start claim: the store refuses a second record with it. */
export const FIRST_START_CLAIM_ID = 'keywarden-first-start-claim'

/** A revoked record that no key can match (random hash), kept only while one instance creates the admin key. */
function claimRecord(at: Date): StoredKey {
  return {
    id: FIRST_START_CLAIM_ID,
    hash: randomBytes(32).toString('hex'),
    name: 'first-start claim of keywarden serve (delete it if it outlives a start)',
    ownerId: null,
    prefix: 'claim',
    start: 'claim',
    scopes: [],
    metadata: {},
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    revokedAt: at,
    lastUsedAt: null,
    remaining: null,
    refill: null,
    rateLimits: [],
    legacy: false,
    lastRefillAt: null,
  }
}

async function hasKeys(warden: Keywarden): Promise<boolean> {
  // At most one claim exists, so two items are enough to see past it.
  const page = await warden.keys.list({ limit: 2 })
  return page.items.some((key) => key.id !== FIRST_START_CLAIM_ID)
}

/**
 * On first start (no key at all) creates the admin key the dashboard and the management API
 * accept. Returns it once, for printing; null when the database already has keys or another
 * instance starting at the same moment creates it. `store` is the warden's store: the claim is a
 * record with a fixed id, so of several instances starting together exactly one wins it.
 */
export async function ensureAdminKey(warden: Keywarden, store: KeyStore): Promise<CreatedKey | null> {
  if (await hasKeys(warden)) return null
  try {
    await store.createKey(claimRecord(new Date()))
  } catch (error) {
    if (error instanceof ConflictError) return null
    throw error
  }
  try {
    // Another instance may have claimed, created the key and released the claim between our look and our claim.
    if (await hasKeys(warden)) return null
    return await warden.keys.create({
      name: 'admin',
      ownerId: 'admin',
      scopes: [ADMIN_SCOPE],
      metadata: { createdBy: 'keywarden serve (first start)' },
    })
  } finally {
    await store.deleteKey(FIRST_START_CLAIM_ID)
  }
}

export function adminKeyNotice(created: CreatedKey): string {
  return [
    '',
    'keywarden: first start on an empty database; created an admin key (scope keywarden:admin).',
    'It is shown only this once. Store it now; sign in to the dashboard with it:',
    '',
    `  ${created.key}`,
    '',
  ].join('\n')
}
