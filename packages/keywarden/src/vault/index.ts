export type { SecretInput } from '../secrets/strength.js'
export type { UsageCounter, UsageGranularity } from '../usage/types.js'
export type { ProviderKeyUsage, ProviderKeyUsageInput } from './budgets.js'
export type { KeyCheckOptions, KeyCheckResult } from './check.js'
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
export type {
  FallbackStep,
  ProviderCheckEndpoint,
  ProviderSettings,
  ResolvedProviderSettings,
} from './provider-settings.js'
export {
  builtinProviders,
  createProviderRegistry,
  type KnownProvider,
  type ProviderDefinition,
  type ProviderId,
  type ProviderRegistry,
} from './providers.js'
export type { ResolveResult, ResolveSource } from './resolve.js'
export { SESSION_SCOPE, secretAad, TEAM_SCOPE_PREFIX } from './scope.js'
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
