export { countingStore } from './counting-store.js'
export { type DescribeStoreOptions, describeKeyStore, expectSameKey } from './describe-key-store.js'
export { type DescribeSecretStoreOptions, describeSecretStore } from './describe-secret-store.js'
export { makeSecretRecord, makeStoredKey, uniqueOwner } from './fixtures.js'
