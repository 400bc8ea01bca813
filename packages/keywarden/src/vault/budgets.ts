/**
 * Provider-key usage and monthly budgets. Usage runs on a UsageCounter (aggregated in memory,
 * written per series per bucket, never per call): one series per ref, day buckets, the month is
 * the sum of its days (UTC). A budget belongs to a slot (scope + provider) and is kept as a
 * companion record in scope `budget:<scope>`, encrypted like any value, so every SecretStore keeps
 * it without a schema change; a replaced key is a new ref, so its month starts at zero.
 */
import { ConfigError, ValidationError } from '../errors.js'
import type { ResolvedVaultOptions } from './options.js'
import { parseRef } from './refs.js'
import { BUDGET_SCOPE_PREFIX, SESSION_SCOPE, TEAM_SCOPE_PREFIX, USER_SCOPE_PREFIX } from './scope.js'
import type { VaultSealing } from './sealing.js'

/** What `recordUsage` adds to a provider key's count. */
export interface ProviderKeyUsageInput {
  requests?: number
  inputTokens?: number
  outputTokens?: number
  /** Cost in millionths of the currency unit (1 USD = 1,000,000). */
  costMicros?: number
}

/** A provider key's usage this month (UTC), with its budget. */
export interface ProviderKeyUsage {
  ref: string
  requests: number
  inputTokens: number
  outputTokens: number
  costMicros: number
  /** null when the key has no budget. */
  monthlyBudgetMicros: number | null
}

export const USAGE_METRICS = ['requests', 'inputTokens', 'outputTokens', 'costMicros'] as const

export function assertBudget(value: unknown): asserts value is number | null | undefined {
  if (value === undefined || value === null) return
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      'monthlyBudgetMicros must be a whole number ≥ 0 (micros: 1 USD = 1000000), or null for none',
      {
        field: 'monthlyBudgetMicros',
      },
    )
  }
}

function monthStart(at: Date): number {
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)
}

/** The owner a usage series is counted under: the user or team id, null for the platform and sessions. */
function ownerOf(scope: string): string | null {
  if (scope.startsWith(USER_SCOPE_PREFIX) || scope.startsWith(TEAM_SCOPE_PREFIX)) return scope
  return null
}

export function vaultBudgets(deps: ResolvedVaultOptions & VaultSealing) {
  const { store, seal, open, now } = deps
  const counter = () => {
    if (!deps.usage) {
      throw new ConfigError(
        'provider-key usage needs a counter: createVault({ usage: createUsageCounter({ store }) })',
      )
    }
    return deps.usage
  }

  const budgets = {
    async read(scope: string, provider: string): Promise<number | null> {
      if (scope === SESSION_SCOPE) return null
      const record = await store.getSecret(`${BUDGET_SCOPE_PREFIX}${scope}`, provider)
      if (!record) return null
      const value = JSON.parse(open(record)) as { monthlyBudgetMicros?: unknown }
      return typeof value.monthlyBudgetMicros === 'number' ? value.monthlyBudgetMicros : null
    },

    async write(
      scope: string,
      provider: string,
      micros: number | null,
      expiresAt: Date | null,
    ): Promise<void> {
      const budgetScope = `${BUDGET_SCOPE_PREFIX}${scope}`
      if (micros === null) {
        await store.deleteSecret(budgetScope, provider)
        return
      }
      const at = now()
      const plaintext = JSON.stringify({ monthlyBudgetMicros: micros })
      await store.putSecret(
        seal({ scope: budgetScope, provider, createdAt: at, updatedAt: at, expiresAt }, plaintext),
      )
    },

    /** Cost recorded this month on `ref`, flushed and pending alike. */
    async spent(ref: string): Promise<number> {
      return (await budgets.usage(ref, null)).costMicros
    },

    async usage(ref: string, monthlyBudgetMicros: number | null): Promise<ProviderKeyUsage> {
      const at = now()
      const rows = await counter().sum({
        series: [ref],
        from: monthStart(at),
        to: at.getTime() + 1,
        granularity: 'day',
      })
      const total: ProviderKeyUsage = {
        ref,
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
        monthlyBudgetMicros,
      }
      for (const row of rows) for (const name of USAGE_METRICS) total[name] += row.metrics[name] ?? 0
      return total
    },

    /** Whether the key behind `ref` has spent its budget (false without one). */
    async over(ref: string, monthlyBudgetMicros: number | null): Promise<boolean> {
      if (monthlyBudgetMicros === null || !deps.usage) return false
      return (await budgets.spent(ref)) >= monthlyBudgetMicros
    },

    record(ref: string, input: ProviderKeyUsageInput): void {
      const { scope } = parseRef(ref)
      if (!input || typeof input !== 'object') {
        throw new ValidationError('usage must be an object such as { requests: 1, costMicros: 1200 }', {
          field: 'usage',
        })
      }
      const metrics: Record<string, number> = {}
      for (const [name, value] of Object.entries(input)) {
        if (!(USAGE_METRICS as readonly string[]).includes(name)) {
          throw new ValidationError(`${name} is not a usage field; use ${USAGE_METRICS.join(', ')}`, {
            field: name,
          })
        }
        if (value === undefined) continue
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
          throw new ValidationError(`${name} must be a whole number ≥ 0`, { field: name })
        }
        if (value > 0) metrics[name] = value
      }
      if (Object.keys(metrics).length > 0) counter().add(ref, ownerOf(scope), metrics, now().getTime())
    },
  }
  return budgets
}

export type VaultBudgets = ReturnType<typeof vaultBudgets>
