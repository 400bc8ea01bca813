/**
 * What a request did, for its log line: every verification it ran and the change it made, recorded
 * by thin wrappers around the warden and the vault the routes are given. Only ids, codes and
 * names are kept: never a key, a hash or a provider key.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Actor, ChangeContext, Keywarden, VerifyResult } from 'keywarden'
import type { Vault, VaultFor, VaultHandle } from 'keywarden/vault'

/** A key a verification was about: its code, and its id and start when the key exists. */
export interface KeyMention {
  code: string
  keyId?: string
  keyStart?: string
}

/** A management change: `action` (key.create, byok.put, byok.resolve, …) and its targets. */
export type Change = { action: string } & Record<string, string>

export interface Activity {
  reqId: string
  /** In order: the first is the caller's own credential, a second the key sent to /api/verify. */
  verifications: KeyMention[]
  change?: Change
  /** Who changes made during this request are by, when the route does not say (a dashboard session). */
  actor?: Actor
}

const storage = new AsyncLocalStorage<Activity>()

export function runWithActivity<T>(activity: Activity, fn: () => T): T {
  return storage.run(activity, fn)
}

export function currentActivity(): Activity | undefined {
  return storage.getStore()
}

/** Names who this request's changes are by, for routes that do not pass a change context. */
export function setRequestActor(actor: Actor): void {
  const activity = storage.getStore()
  if (activity) activity.actor = actor
}

export function recordChange(change: Change): void {
  const activity = storage.getStore()
  if (activity) activity.change = change
}

function mention(result: VerifyResult): KeyMention {
  const key = result.key
  const entry: KeyMention = { code: result.valid ? 'VALID' : result.code }
  if (key) {
    entry.keyId = key.id
    entry.keyStart = key.start
  }
  return entry
}

/**
 * The change context to record: the route's own, else the request's actor (dashboard session), and
 * always a request id (the route's X-Request-Id, else the server's id of the request).
 */
export function withRequestContext<T extends ChangeContext>(ctx?: T): T {
  const activity = storage.getStore()
  const out = { ...(ctx ?? {}) } as T
  if (out.actor === undefined && activity?.actor) out.actor = activity.actor
  if (out.requestId === undefined && activity) out.requestId = activity.reqId
  return out
}

/** The warden with each verification and key change recorded on the current request. */
export function recordingWarden(warden: Keywarden): Keywarden {
  const keys = warden.keys
  const after =
    <T>(describe: (value: T) => Change) =>
    (value: T): T => {
      recordChange(describe(value))
      return value
    }
  return Object.assign(Object.create(warden) as Keywarden, {
    keys: {
      ...keys,
      verify: (key: unknown, options?: Parameters<Keywarden['keys']['verify']>[1]) =>
        keys.verify(key, options).then((result) => {
          storage.getStore()?.verifications.push(mention(result))
          return result
        }),
      create: (input: Parameters<Keywarden['keys']['create']>[0], ctx?: ChangeContext) =>
        keys
          .create(input, withRequestContext(ctx))
          .then(after(({ record }) => ({ action: 'key.create', target: record.id }))),
      update: (id: string, patch: Parameters<Keywarden['keys']['update']>[1], ctx?: ChangeContext) =>
        keys
          .update(id, patch, withRequestContext(ctx))
          .then(after(() => ({ action: 'key.update', target: id, fields: Object.keys(patch).join(',') }))),
      revoke: (id: string, ctx?: ChangeContext) =>
        keys.revoke(id, withRequestContext(ctx)).then(after(() => ({ action: 'key.revoke', target: id }))),
      delete: (id: string, ctx?: ChangeContext) =>
        keys.delete(id, withRequestContext(ctx)).then(after(() => ({ action: 'key.delete', target: id }))),
      roll: (id: string, options?: Parameters<Keywarden['keys']['roll']>[1]) =>
        keys
          .roll(id, withRequestContext(options ?? {}))
          .then(after(({ record }) => ({ action: 'key.roll', target: id, newKeyId: record.id }))),
    } satisfies Keywarden['keys'],
  })
}

const ownerName = (owner: VaultFor) => owner.userId ?? '(session)'

/** The vault with each provider key stored or deleted recorded on the current request. */
export function recordingVault(vault: Vault): Vault {
  return Object.assign(Object.create(vault) as Vault, {
    for(owner: VaultFor): VaultHandle {
      const handle = vault.for(owner)
      const change = (action: string, provider: string): Change => ({
        action,
        owner: ownerName(owner),
        provider,
      })
      return Object.assign(Object.create(handle) as VaultHandle, {
        set: (provider: string, apiKey: string, options?: Parameters<VaultHandle['set']>[2]) =>
          handle.set(provider, apiKey, withRequestContext(options ?? {})).then((summary) => {
            recordChange(change('byok.put', provider))
            return summary
          }),
        delete: (provider: string, ctx?: ChangeContext) =>
          handle.delete(provider, withRequestContext(ctx)).then((deleted) => {
            if (deleted) recordChange(change('byok.delete', provider))
            return deleted
          }),
        clear: (ctx?: ChangeContext) => handle.clear(withRequestContext(ctx)),
      })
    },
  })
}
