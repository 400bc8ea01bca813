import type { Vault } from 'keywarden/vault'
import type { DashboardVault } from './dashboard/vault-port.js'

/** The dashboard's view of a vault: every provider of its registry, keys per signed-in user. */
export function dashboardVault(vault: Vault): DashboardVault {
  return {
    providers: () =>
      vault.providers.list().map((p) => ({
        id: p.id,
        name: p.label,
        pattern: p.pattern,
        hint: p.format ?? `like ${p.example.slice(0, 6)}…`,
      })),
    async list(userId) {
      const secrets = await vault.for({ userId }).list()
      return Promise.all(
        secrets.map(async (secret) => {
          // Usage needs a counting store; without one the card simply shows none.
          const usage = await vault.usageThisMonth(secret.ref).catch(() => null)
          return { ...secret, usage }
        }),
      )
    },
    async set(userId, provider, key) {
      await vault.for({ userId }).set(provider, key)
    },
    delete: (userId, provider) => vault.for({ userId }).delete(provider),
    async check(userId, provider) {
      const apiKey = await vault.for({ userId }).get(provider)
      return apiKey === null ? null : vault.check(provider, apiKey)
    },
  }
}
