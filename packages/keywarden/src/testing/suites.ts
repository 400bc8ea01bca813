// Everything of keywarden/testing that imports vitest, loaded by index.ts through importPeer.

export { describeAuditStore } from './describe-audit-store.js'
export { describeKeyStore, expectSameKey } from './describe-key-store.js'
export { describeSecretStore } from './describe-secret-store.js'
