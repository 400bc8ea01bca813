export { SESSION_SCOPE } from '../stores/types.js'

/** Prefix of a signed-in user's scope: `user:<userId>`. */
export const USER_SCOPE_PREFIX = 'user:'

/** Prefix of a team's scope: `team:<teamId>`. */
export const TEAM_SCOPE_PREFIX = 'team:'

/** Prefix of the scope holding a scope's per-key budgets: `budget:user:<id>`, `budget:team:<id>`. */
export const BUDGET_SCOPE_PREFIX = 'budget:'

/** Additional data bound into every ciphertext. Provider ids contain no `|`, so the last `|` is unambiguous. */
export function secretAad(scope: string, provider: string): string {
  return `kw1|${scope}|${provider}`
}
