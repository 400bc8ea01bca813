/** The owner-policy mounts of the shared HTTP fixture: `/keys` with OWNER_POLICY, `/plain-keys` without. */
import type { Caller } from '../packages/keywarden/src/http/management.js'
import type { OwnerPolicy } from '../packages/keywarden/src/http/owner-policy.js'
import type { Fixture } from './http-fixtures.js'

const DAY = 86_400_000

export const OWNER_POLICY: OwnerPolicy = {
  scopes: ['users:read', 'reports:*'],
  defaults: {
    remaining: 100,
    refill: { amount: 100, interval: 'daily' },
    rateLimits: [{ name: 'minute', limit: 60, windowMs: 60_000 }],
    expiresInMs: 30 * DAY,
  },
  maxExpiresInMs: 90 * DAY,
  maxGraceMs: 3_600_000,
}

export function managementMounts<Req>(
  fixture: Fixture,
  authorize: (request: Req) => Caller | null,
  onError: (error: unknown) => void,
) {
  const plain = { warden: fixture.warden, authorize, onError, now: () => new Date(fixture.clock.now) }
  return { keys: { ...plain, ownerPolicy: OWNER_POLICY }, plain }
}
