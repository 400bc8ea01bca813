export { SESSION_SCOPE } from '../stores/types.js'

/** Prefix of a signed-in user's scope: `user:<userId>`. */
export const USER_SCOPE_PREFIX = 'user:'

/** Additional data bound into every ciphertext. Provider ids contain no `|`, so the last `|` is unambiguous. */
export function secretAad(scope: string, provider: string): string {
  return `kw1|${scope}|${provider}`
}
