import { vaultBudgets } from './budgets.js'
import { vaultCheck } from './check.js'
import { handleFor } from './handle.js'
import { vaultMaintenance } from './maintenance.js'
import { resolveVaultOptions } from './options.js'
import { PLATFORM_SCOPE, parseRef } from './refs.js'
import { vaultSealing } from './sealing.js'
import type { CreateVaultOptions, Vault } from './types.js'

/**
 * The BYOK vault: encrypts users' own provider keys (AES-256-GCM under the app's secret or a
 * versioned keyring) and keeps them in any SecretStore, per user or per visitor session.
 * @throws ConfigError when an option is invalid: a missing or weak secret (or both secret and
 * keyring), no SecretStore, a bad defaultTtlMs, providers or clock (the message says what to fix).
 * @example
 * import { createVault } from 'keywarden/vault'
 * import { memoryStore } from 'keywarden/stores/memory'
 *
 * const vault = createVault({ secret: process.env.KEYWARDEN_SECRET, store: memoryStore() })
 * await vault.for({ userId: 'user_1' }).set('openai', userSuppliedKey)
 * const apiKey = await vault.for({ userId: 'user_1' }).get('openai') // plaintext, or null
 */
export function createVault(options: CreateVaultOptions): Vault {
  const resolved = resolveVaultOptions(options)
  const sealed = { ...resolved, ...vaultSealing(resolved.cipher, resolved.providers) }
  const deps = { ...sealed, budgets: vaultBudgets(sealed) }
  return {
    providers: resolved.providers,
    currentKeyId: resolved.cipher.currentKeyId,
    for: (owner) => handleFor(deps, owner),
    check: vaultCheck(sealed),
    recordUsage: (ref, usage) => deps.budgets.record(ref, usage),
    flush: async () => {
      await resolved.usage?.flush()
    },
    close: async () => {
      if (resolved.ownsUsage) await resolved.usage?.close()
      else await resolved.usage?.flush()
    },
    async usageThisMonth(ref) {
      const { scope, provider } = parseRef(ref)
      const budget = scope === PLATFORM_SCOPE ? null : await deps.budgets.read(scope, provider)
      return deps.budgets.usage(ref, budget)
    },
    ...vaultMaintenance(deps),
  }
}
