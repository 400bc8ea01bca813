import { handleFor } from './handle.js'
import { vaultMaintenance } from './maintenance.js'
import { resolveVaultOptions } from './options.js'
import { vaultSealing } from './sealing.js'
import type { CreateVaultOptions, Vault } from './types.js'

/** Encrypts users' own provider keys with the app's secret and keeps them in any SecretStore. */
export function createVault(options: CreateVaultOptions): Vault {
  const resolved = resolveVaultOptions(options)
  const deps = { ...resolved, ...vaultSealing(resolved.cipher, resolved.providers) }
  return {
    providers: resolved.providers,
    currentKeyId: resolved.cipher.currentKeyId,
    for: (owner) => handleFor(deps, owner),
    ...vaultMaintenance(deps),
  }
}
