/**
 * The leak handler: a key seen in public (a GitHub secret-scanning report, a user's own report)
 * is looked up by hash only — no credits spent, no rate limit counted — and, under the 'revoke'
 * policy, revoked at once. Either way `key.leaked` goes to the audit log and the webhooks.
 */
import { NotFoundError, ValidationError } from '../errors.js'
import type { Actor, ChangeContext } from '../events/types.js'
import type { ApiKeyRecord, KeyStore } from '../stores/types.js'
import type { KeyChangeEvents } from './changes.js'
import { MAX_KEY_LENGTH } from './format.js'
import { toRecord } from './record.js'
import { assertObject } from './validate.js'

/** What to do with a key reported as leaked: revoke it (default) or only tell (events, audit log). */
export type LeakPolicy = 'revoke' | 'notify'

/** `true_positive`: the string is a key of this warden (live or not); `false_positive`: it is not. */
export type LeakLabel = 'true_positive' | 'false_positive'

export interface ReportLeakOptions {
  /** Default 'revoke'. */
  policy?: LeakPolicy
  /** Where the leak was found, e.g. `github` or `report` (1–100 characters, kept in the event detail). */
  source: string
  /** Who reported it; default `{ type: 'system' }`. Also the actor of the revocation. */
  actor?: Actor
  requestId?: string
}

export interface LeakWiring {
  store: KeyStore
  hash: (key: string) => string
  isWellFormedKey: (key: string) => boolean
  changes: KeyChangeEvents
  /** keys.revoke: the one way a key is revoked (and key.revoked emitted). */
  revoke: (id: string, context: ChangeContext) => Promise<ApiKeyRecord>
}

/** Checks the options before anything is looked up: throws ValidationError naming the field. */
function parseOptions(options: unknown) {
  const { policy = 'revoke', source, actor, requestId } = assertObject(options, 'options')
  if (policy !== 'revoke' && policy !== 'notify') {
    throw new ValidationError("policy must be 'revoke' or 'notify'", { field: 'policy' })
  }
  if (typeof source !== 'string' || !/^[\w.:-]{1,100}$/.test(source)) {
    throw new ValidationError('source must be 1–100 characters of A-Z a-z 0-9 _ . : - (e.g. "github")', {
      field: 'source',
    })
  }
  return { policy: policy as LeakPolicy, source, context: { actor, requestId } as ChangeContext }
}

export function createLeakHandler(wiring: LeakWiring) {
  const { store, hash, isWellFormedKey, changes, revoke } = wiring
  return async function reportLeak(key: unknown, options: ReportLeakOptions): Promise<LeakLabel> {
    const { policy, source, context } = parseOptions(options)
    const ctx = changes.context(context)
    if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || !isWellFormedKey(key)) {
      return 'false_positive'
    }
    const stored = await store.getKeyByHash(hash(key))
    if (!stored) return 'false_positive'
    await changes.emit('key.leaked', toRecord(stored), ctx, { detail: { source, policy } })
    if (policy === 'revoke' && !stored.revokedAt) {
      await revoke(stored.id, context).catch((error) => {
        // Deleted since the look-up: nothing left to revoke.
        if (!(error instanceof NotFoundError)) throw error
      })
    }
    return 'true_positive'
  }
}
