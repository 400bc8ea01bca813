export {
  ConfigError,
  ConflictError,
  DecryptError,
  KeywardenError,
  type KeywardenErrorCode,
  NotFoundError,
  StoreError,
  ValidationError,
} from './errors.js'
export { generateKey, type ParsedKey, parseKey } from './keys/format.js'
export {
  type CreatedKey,
  type CreateKeyInput,
  createKeywarden,
  type Keywarden,
  type KeywardenOptions,
  type ListKeysOptions,
  type RollOptions,
  type UpdateKeyInput,
  type VerifyFailureCode,
  type VerifyOptions,
  type VerifyResult,
} from './keys/keywarden.js'
export type { LastUsedOptions } from './keys/last-used.js'
export type { ScopeOptions, ScopeRequirement } from './keys/scopes.js'
export type {
  ApiKeyRecord,
  DeleteSecretOptions,
  KeyPatch,
  KeyStore,
  ListKeysQuery,
  Page,
  PutSecretOptions,
  RateLimitRule,
  Refill,
  RolledKeys,
  ScanQuery,
  SecretRecord,
  SecretStore,
  SessionLike,
  StoredKey,
  TouchEntry,
} from './stores/types.js'
