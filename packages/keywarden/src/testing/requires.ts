import { beforeEach } from 'vitest'
import type { KeyStore } from '../stores/types.js'

/** The optional KeyStore methods some parts of the contract need. */
export type OptionalKeyStoreMethod = 'consumeKey' | 'rollKey'

/** The methods among `methods` that `store` does not implement. */
export function missingMethods(store: KeyStore, methods: readonly OptionalKeyStoreMethod[]): string[] {
  return methods.filter((m) => typeof store[m] !== 'function')
}

/**
 * Inside a describe block: each test skips itself, with a note naming what is missing, when the
 * store lacks one of `methods` — the contract asks those only of stores that implement them.
 */
export function requireMethods(store: () => KeyStore, methods: readonly OptionalKeyStoreMethod[]): void {
  beforeEach((context) => {
    const missing = missingMethods(store(), methods)
    if (missing.length > 0) context.skip(`the store does not implement ${missing.join(' or ')}`)
  })
}
