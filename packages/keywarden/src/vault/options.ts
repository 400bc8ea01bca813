import { ConfigError } from '../errors.js'
import { createEventHub, type EventHub } from '../events/hub.js'
import { hasMethods, SECRET_STORE_METHODS, type SecretStore } from '../stores/types.js'
import { keepsUsage } from '../stores/usage-types.js'
import { assertUsageOptions, createUsageCounter } from '../usage/counter.js'
import type { UsageCounter, UsageOptions } from '../usage/types.js'
import { createCipher, type VaultCipher } from './cipher.js'
import {
  isSettingsObject,
  type ProviderSettings,
  type ResolvedProviderSettings,
  registryFromSettings,
  resolveProviderSettings,
} from './provider-settings.js'
import { createProviderRegistry, type ProviderRegistry } from './providers.js'
import type { CreateVaultOptions } from './types.js'

const DAY_MS = 24 * 3600_000

/** createVault's options, checked once, with their defaults. */
export interface ResolvedVaultOptions {
  store: SecretStore
  /** Lifetime of a value set without ttlMs or expiresAt; null = none. */
  defaultTtlMs: number | null
  now: () => Date
  cipher: VaultCipher
  providers: ProviderRegistry
  events: EventHub
  /** A provider's settings with defaults (baseUrl, platformKey, fallback, check endpoint). */
  settingsOf: (provider: string) => ResolvedProviderSettings
  /** Where provider-key usage is counted; null when the vault was created without one. */
  usage: UsageCounter | null
  /** The counter was created by the vault (vault.close() closes it). */
  ownsUsage: boolean
}

function resolveProviders(providers: CreateVaultOptions['providers']): {
  registry: ProviderRegistry
  settings: Map<string, ProviderSettings>
} {
  if (providers === undefined) return { registry: createProviderRegistry(), settings: new Map() }
  if (Array.isArray(providers)) return { registry: createProviderRegistry(providers), settings: new Map() }
  if (isSettingsObject(providers)) return registryFromSettings(providers)
  const registry = providers as ProviderRegistry
  if (typeof registry.assertKey !== 'function' || typeof registry.get !== 'function') {
    throw new ConfigError(
      'providers must be an array of provider definitions, a createProviderRegistry() result, or per-provider settings ({ openai: { baseUrl, platformKey, fallback } })',
    )
  }
  return { registry, settings: new Map() }
}

function settingsLookup(registry: ProviderRegistry, given: Map<string, ProviderSettings>) {
  const resolved = new Map<string, ResolvedProviderSettings>()
  for (const [id, settings] of given) resolved.set(id, resolveProviderSettings(registry, id, settings))
  return (provider: string): ResolvedProviderSettings => {
    let settings = resolved.get(provider)
    if (!settings) {
      settings = resolveProviderSettings(registry, provider)
      resolved.set(provider, settings)
    }
    return settings
  }
}

/** The space provider-key usage rows are written under, beside the warden's `keys`. */
export const VAULT_USAGE_SPACE = 'vault'

/**
 * The vault's usage counter: the one given, or one on the store when it keeps usage (memory, SQL,
 * Redis), or none (`false`, or a store without usage). `owned` = created here, closed by vault.close().
 */
function resolveUsage(
  usage: CreateVaultOptions['usage'],
  store: SecretStore,
  now: () => Date,
): { counter: UsageCounter | null; owned: boolean } {
  if (usage === false || usage === null) return { counter: null, owned: false }
  const given = usage as UsageCounter | undefined
  if (given && typeof given.add === 'function' && typeof given.sum === 'function') {
    return { counter: given, owned: false }
  }
  if (usage !== undefined && (typeof usage !== 'object' || Array.isArray(usage))) {
    throw new ConfigError('usage must be a UsageCounter, { flushIntervalMs, retentionDays }, or false')
  }
  if (!keepsUsage(store)) {
    if (usage === undefined) return { counter: null, owned: false }
    throw new ConfigError('usage needs a store that keeps usage counts (memoryStore, sqlStore, redisStore)')
  }
  const { flushIntervalMs, retentionDays } = (usage ?? {}) as UsageOptions
  assertUsageOptions({ flushIntervalMs, retentionDays })
  const counter = createUsageCounter({
    store,
    space: VAULT_USAGE_SPACE,
    clock: () => now().getTime(),
    ...(flushIntervalMs !== undefined ? { flushIntervalMs } : {}),
    ...(retentionDays !== undefined ? { retentionDays } : {}),
  })
  return { counter, owned: true }
}

export function resolveVaultOptions(options: CreateVaultOptions): ResolvedVaultOptions {
  if (!options || typeof options !== 'object') throw new ConfigError('createVault needs an options object')
  const { store, defaultTtlMs = DAY_MS, now = () => new Date() } = options
  if (!hasMethods(store, SECRET_STORE_METHODS)) {
    throw new ConfigError(
      `store must be a SecretStore (with ${SECRET_STORE_METHODS.join(', ')}), e.g. memoryStore()`,
    )
  }
  if (defaultTtlMs !== null) {
    if (typeof defaultTtlMs !== 'number' || !Number.isFinite(defaultTtlMs) || defaultTtlMs <= 0) {
      throw new ConfigError('defaultTtlMs must be a positive number of milliseconds, or null for no expiry')
    }
  }
  if (typeof now !== 'function') throw new ConfigError('now must be a function returning a Date')
  const cipher = createCipher({ secret: options.secret, keyring: options.keyring })
  const events = options.events ?? createEventHub({ store, now })
  if (typeof events.emit !== 'function' || typeof events.subscribe !== 'function') {
    throw new ConfigError('events must be an event hub, e.g. warden.events')
  }
  const { registry, settings } = resolveProviders(options.providers)
  return {
    store,
    defaultTtlMs,
    now,
    cipher,
    providers: registry,
    events,
    settingsOf: settingsLookup(registry, settings),
    ...(() => {
      const { counter, owned } = resolveUsage(options.usage, store, now)
      return { usage: counter, ownsUsage: owned }
    })(),
  }
}
