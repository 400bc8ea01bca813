/** The events a vault emits after a change: the provider and whose it is, never the provider key. */
import { changeContext, type EventHub } from '../events/hub.js'
import type { ChangeContext, EventDetail, EventType } from '../events/types.js'
import { USER_SCOPE_PREFIX } from './scope.js'

export interface VaultChangeEvents {
  /** Checks the context before the change: throws ValidationError when it is invalid. */
  context(context: ChangeContext | undefined): ReturnType<typeof changeContext>
  /** A change to one scope's provider key (`provider` '*' for clear). */
  secret(
    type: EventType,
    scope: string,
    provider: string,
    context: ReturnType<typeof changeContext>,
    extra?: { fields?: string[]; detail?: EventDetail; data?: Record<string, unknown> },
  ): Promise<void>
  /** A change to the vault as a whole (rotate). */
  vault(
    type: EventType,
    keyId: string,
    context: ReturnType<typeof changeContext>,
    detail: EventDetail,
  ): Promise<void>
}

/** The user id of a `user:<id>` scope; null for the session scope (and team scopes). */
export function ownerOfScope(scope: string): string | null {
  return scope.startsWith(USER_SCOPE_PREFIX) ? scope.slice(USER_SCOPE_PREFIX.length) : null
}

export function vaultChangeEvents(hub: EventHub): VaultChangeEvents {
  return {
    context: changeContext,
    async secret(type, scope, provider, context, extra = {}) {
      await hub.emit({
        type,
        ...context,
        target: { type: 'secret', id: `${scope}/${provider}` },
        ownerId: ownerOfScope(scope),
        ...extra,
        data: { scope, provider, ...extra.data },
      })
    },
    async vault(type, keyId, context, detail) {
      await hub.emit({ type, ...context, target: { type: 'vault', id: keyId }, detail })
    },
  }
}
