/**
 * The verifyRoutes mounts of the shared HTTP fixture: `/verify` (the caller's own key only),
 * `/verify-trusted` (authorize lets `x-user: service` in), and two over a store that is down.
 */
import type { VerifyRoutesOptions } from '../packages/keywarden/src/http/verify.js'
import type { Fixture } from './http-fixtures.js'

export function verifyMounts<Req>(
  fixture: Fixture,
  user: (request: Req) => string | null | undefined,
  onError: (error: unknown) => void,
): Array<[string, VerifyRoutesOptions<Req>]> {
  const { warden, brokenWarden } = fixture
  const trusted = (request: Req) => user(request) === 'service'
  return [
    ['/verify', { warden, onError }],
    ['/verify-trusted', { warden, authorize: trusted, onError }],
    // The caller's own key cannot be checked: the store is down.
    ['/verify-broken', { warden: brokenWarden, onError }],
    // The caller is trusted, the key it sends cannot be checked.
    ['/verify-broken-trusted', { warden: brokenWarden, authorize: () => true, onError }],
  ]
}
