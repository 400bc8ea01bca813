export type { SecretInput } from '../secrets/strength.js'
export {
  type CipherOptions,
  createCipher,
  type Keyring,
  type ParsedCiphertext,
  parseCiphertext,
  type VaultCipher,
} from './cipher.js'
export { type ImportFromEnvOptions, type ImportFromEnvResult, importFromEnv } from './env.js'
export { maskKey } from './mask.js'
export {
  builtinProviders,
  createProviderRegistry,
  type KnownProvider,
  type ProviderDefinition,
  type ProviderId,
  type ProviderRegistry,
} from './providers.js'
export { SESSION_SCOPE, secretAad } from './scope.js'
export type {
  CreateVaultOptions,
  RotateFailure,
  RotateOptions,
  RotateProgress,
  SecretSummary,
  SetSecretOptions,
  Vault,
  VaultFor,
  VaultHandle,
} from './types.js'
export { createVault } from './vault.js'
