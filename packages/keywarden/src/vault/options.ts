import { ConfigError } from '../errors.js'
import { createEventHub, type EventHub } from '../events/hub.js'
import { hasMethods, SECRET_STORE_METHODS, type SecretStore } from '../stores/types.js'
import { createCipher, type VaultCipher } from './cipher.js'
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
}

function resolveProviders(providers: CreateVaultOptions['providers']): ProviderRegistry {
  if (providers === undefined) return createProviderRegistry()
  if (Array.isArray(providers)) return createProviderRegistry(providers)
  const registry = providers as ProviderRegistry
  if (typeof registry.assertKey !== 'function' || typeof registry.get !== 'function') {
    throw new ConfigError(
      'providers must be an array of provider definitions or a createProviderRegistry() result',
    )
  }
  return registry
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
  return { store, defaultTtlMs, now, cipher, providers: resolveProviders(options.providers), events }
}
