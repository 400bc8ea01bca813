import { ConfigError, ValidationError } from '../errors.js'

export const MAX_SCOPES = 256
export const MAX_SCOPE_LENGTH = 128
/** `resource:action`; the action `*` grants every action on the resource. */
export const SCOPE_PATTERN = /^[A-Za-z0-9_.-]+:(?:\*|[A-Za-z0-9_.-]+)$/

export interface ScopeOptions {
  /** With it, creating or updating a key with a scope outside this list is a ValidationError. */
  known?: readonly string[]
  /** A scope maps to the scopes it implies, transitively. Cycles are rejected. */
  hierarchy?: Readonly<Record<string, readonly string[]>>
}

export type ScopeRequirement = 'all' | 'any'

export interface ScopeChecker {
  /** Throws ValidationError naming the field when a scope list is not acceptable. */
  validate(scopes: unknown, field?: string): string[]
  /** The scopes among `required` that `granted` does not satisfy (for `all`), or all of them (for `any` with none satisfied). */
  missing(granted: readonly string[], required: readonly string[], requirement: ScopeRequirement): string[]
}

export function isScope(scope: unknown): scope is string {
  return typeof scope === 'string' && scope.length <= MAX_SCOPE_LENGTH && SCOPE_PATTERN.test(scope)
}

function resourceOf(scope: string): string {
  return scope.slice(0, scope.indexOf(':'))
}

/** The wildcard rule: `granted` holds `scope` itself or `resource:*` for its resource. */
export function grants(granted: ReadonlySet<string> | readonly string[], scope: string): boolean {
  const wildcard = `${resourceOf(scope)}:*`
  return Array.isArray(granted)
    ? granted.includes(scope) || granted.includes(wildcard)
    : (granted as ReadonlySet<string>).has(scope) || (granted as ReadonlySet<string>).has(wildcard)
}

export function createScopeChecker(options: ScopeOptions = {}): ScopeChecker {
  const { known, hierarchy = {} } = options
  if (known !== undefined && !Array.isArray(known)) {
    throw new ConfigError('scopes.known must be an array of "resource:action" strings')
  }
  for (const scope of known ?? []) {
    if (!isScope(scope)) throw new ConfigError(`scopes.known holds an invalid scope; use "resource:action"`)
  }
  const knownSet = known ? new Set(known) : null
  const knownResources = known ? new Set(known.map(resourceOf)) : null
  const isKnown = (scope: string) =>
    !knownSet ||
    knownSet.has(scope) ||
    (scope.endsWith(':*') && (knownResources as Set<string>).has(resourceOf(scope)))

  const edges = new Map<string, readonly string[]>()
  for (const [scope, implied] of Object.entries(hierarchy)) {
    if (!isScope(scope) || !Array.isArray(implied) || !implied.every(isScope)) {
      throw new ConfigError(
        `scopes.hierarchy["${scope}"] must map a "resource:action" scope to an array of scopes`,
      )
    }
    if (!isKnown(scope) || !implied.every(isKnown)) {
      throw new ConfigError(`scopes.hierarchy["${scope}"] names a scope that scopes.known does not list`)
    }
    edges.set(scope, implied)
  }
  // Closure per scope, computed once; a scope met again on its own path is a cycle.
  const closure = new Map<string, Set<string>>()
  const visit = (scope: string, path: string[]): Set<string> => {
    const done = closure.get(scope)
    if (done) return done
    if (path.includes(scope)) {
      throw new ConfigError(`scopes.hierarchy has a cycle: ${[...path, scope].join(' -> ')}`)
    }
    const all = new Set([scope])
    for (const next of edges.get(scope) ?? []) for (const s of visit(next, [...path, scope])) all.add(s)
    closure.set(scope, all)
    return all
  }
  for (const scope of edges.keys()) visit(scope, [])

  const expand = (granted: readonly string[]): Set<string> => {
    const all = new Set<string>()
    for (const scope of granted) {
      const implied = closure.get(scope)
      if (implied) for (const s of implied) all.add(s)
      else all.add(scope)
    }
    return all
  }

  return {
    validate(scopes, field = 'scopes') {
      if (!Array.isArray(scopes)) throw new ValidationError(`${field} must be an array of strings`, { field })
      if (scopes.length > MAX_SCOPES) {
        throw new ValidationError(`${field} may hold at most ${MAX_SCOPES} scopes`, { field })
      }
      for (const scope of scopes) {
        if (!isScope(scope)) {
          throw new ValidationError(
            `${field} must hold "resource:action" strings of at most ${MAX_SCOPE_LENGTH} characters (letters, digits, _ . -; action may be *)`,
            { field },
          )
        }
        if (!isKnown(scope)) {
          throw new ValidationError(`${field} holds "${scope}", which is not in scopes.known`, { field })
        }
      }
      return [...new Set(scopes as string[])]
    },
    missing(granted, required, requirement) {
      if (required.length === 0) return []
      const all = expand(granted)
      const missing = required.filter((scope) => !grants(all, scope))
      if (requirement === 'any') return missing.length < required.length ? [] : missing
      return missing
    },
  }
}
