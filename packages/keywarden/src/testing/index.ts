// vitest is an optional peer: importing keywarden/testing without it fails with the install hint,
// not with a bare "Cannot find package" from deep inside the kit.
import { importPeer } from '../peer.js'

export { makeAuditEntry } from './audit-fixtures.js'
export { countingStore } from './counting-store.js'
export type { DescribeAuditStoreOptions } from './describe-audit-store.js'
export type { DescribeStoreOptions } from './describe-key-store.js'
export type { DescribeSecretStoreOptions } from './describe-secret-store.js'
export { makeSecretRecord, makeStoredKey, uniqueOwner } from './fixtures.js'

const suites = await importPeer(
  () => import('./suites.js'),
  'vitest',
  'keywarden/testing (describeKeyStore, describeSecretStore)',
)

export const { expectSameKey } = suites

/**
 * Registers the KeyStore contract as a vitest suite; the tests of consumeKey and rollKey run
 * only when the store implements them (otherwise they are skipped with a note naming the method).
 * @example
 * describeKeyStore('my store', () => myStore({ url: process.env.MY_URL }), { cleanup: dropTables })
 */
export const describeKeyStore: typeof suites.describeKeyStore = suites.describeKeyStore

/**
 * Registers the SecretStore contract as a vitest suite.
 * @example
 * describeSecretStore('my store', () => myStore({ url: process.env.MY_URL }))
 */
export const describeSecretStore: typeof suites.describeSecretStore = suites.describeSecretStore

/**
 * Registers the AuditStore contract as a vitest suite: append-only, newest first with stable
 * cursors, every filter, ConflictError on a duplicate id, concurrent appends, and (for a store that
 * is a KeyStore too) a warden + vault cycle whose log holds no key, hash or provider key.
 * @example
 * describeAuditStore('my store', () => myStore({ url: process.env.MY_URL }), { cleanup: dropTables })
 */
export const describeAuditStore: typeof suites.describeAuditStore = suites.describeAuditStore
