// vitest is an optional peer: importing keywarden/testing without it fails with the install hint,
// not with a bare "Cannot find package" from deep inside the kit.
import { importPeer } from '../peer.js'

export { countingStore } from './counting-store.js'
export type { DescribeStoreOptions } from './describe-key-store.js'
export type { DescribeSecretStoreOptions } from './describe-secret-store.js'
export { makeSecretRecord, makeStoredKey, uniqueOwner } from './fixtures.js'

export const { describeKeyStore, describeSecretStore, expectSameKey } = await importPeer(
  () => import('./suites.js'),
  'vitest',
  'keywarden/testing (describeKeyStore, describeSecretStore)',
)
