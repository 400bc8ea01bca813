/**
 * handle.resolve: which key a request should use, in the order own key → team keys (in the order
 * given) → platform key → none, each fallback step allowed by the provider's policy, and a key over
 * its monthly budget passed over like a missing one. Emits `secret.resolved` with the source and ref.
 */
import type { ChangeContext } from '../events/types.js'
import type { SecretStore } from '../stores/types.js'
import type { VaultBudgets } from './budgets.js'
import { vaultChangeEvents } from './events.js'
import type { ResolvedVaultOptions } from './options.js'
import { makeRef, PLATFORM_SCOPE } from './refs.js'
import { TEAM_SCOPE_PREFIX } from './scope.js'
import { isExpired, type VaultSealing } from './sealing.js'

/** Where a resolved key came from. */
export type ResolveSource = 'user' | 'team' | 'platform'

/** What `resolve` answers: a key and where it came from, or why there is none. */
export type ResolveResult =
  | { apiKey: string; source: ResolveSource; ref: string; teamId?: string }
  | { apiKey: null; reason: 'MISSING' | 'BUDGET_EXCEEDED' }

interface Candidate {
  source: ResolveSource
  scope: string
  teamId?: string
  store?: SecretStore
}

export async function resolveKey(
  deps: ResolvedVaultOptions & VaultSealing,
  budgets: VaultBudgets,
  own: { scope: string; source: ResolveSource; store: SecretStore },
  teamIds: readonly string[],
  provider: string,
  context?: ChangeContext,
): Promise<ResolveResult> {
  const changes = vaultChangeEvents(deps.events)
  const ctx = changes.context(context)
  const settings = deps.settingsOf(provider)
  const candidates: Candidate[] = [own]
  for (const step of settings.fallback) {
    if (step === 'team' && own.source === 'user') {
      for (const teamId of teamIds)
        candidates.push({ source: 'team', scope: `${TEAM_SCOPE_PREFIX}${teamId}`, teamId })
    }
    if (step === 'platform') candidates.push({ source: 'platform', scope: PLATFORM_SCOPE })
  }
  let overBudget = false
  let found: ResolveResult | null = null
  for (const candidate of candidates) {
    if (candidate.source === 'platform') {
      const apiKey = settings.platformKey
      if (apiKey === null) continue
      found = {
        apiKey,
        source: 'platform',
        ref: makeRef(PLATFORM_SCOPE, provider, deps.cipher.fingerprint(apiKey)),
      }
      break
    }
    const record = await (candidate.store ?? deps.store).getSecret(candidate.scope, provider)
    if (!record || isExpired(record, deps.now())) continue
    const ref = makeRef(candidate.scope, provider, record.fingerprint)
    if (await budgets.over(ref, await budgets.read(candidate.scope, provider))) {
      overBudget = true
      continue
    }
    const apiKey = deps.open(record)
    found = {
      apiKey,
      source: candidate.source,
      ref,
      ...(candidate.teamId ? { teamId: candidate.teamId } : {}),
    }
    break
  }
  const result: ResolveResult = found ?? { apiKey: null, reason: overBudget ? 'BUDGET_EXCEEDED' : 'MISSING' }
  await changes.secret('secret.resolved', own.scope, provider, ctx, {
    detail:
      result.apiKey === null
        ? { source: 'none', reason: result.reason }
        : { source: result.source, ref: result.ref },
  })
  return result
}
