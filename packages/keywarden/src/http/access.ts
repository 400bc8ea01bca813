/**
 * Who calls the management and report routes, and who the audit log names for their changes:
 * the caller check shared by managementRoutes and reportRoutes.
 */
import { ConfigError } from '../errors.js'
import type { Actor, ChangeContext } from '../events/types.js'
import type { Keywarden } from '../keys/keywarden.js'
import { assertWarden, normalizeAuthOptions, readKey } from './core.js'
import { type Reply, UNAUTHORIZED, UNAVAILABLE } from './problem.js'
import { defaultOnError, errorReply, type OnError, type RouteInput } from './routes.js'

export const ADMIN_SCOPE = 'keywarden:admin'

/** Who is calling: an admin (every key) or an owner (only its own keys). */
export type Caller = { admin: true } | { ownerId: string }

/** The options managementRoutes and reportRoutes share. */
export interface AccessOptions<Req> {
  warden: Keywarden
  /**
   * Says who the caller is from your own auth (session, JWT, …): `{ admin: true }`, `{ ownerId }`,
   * or null. Without it, or when it returns null, only a key with `keywarden:admin` gets in.
   * Changes made by such a caller are recorded with the actor `{ type: 'system', address }`;
   * changes made with an admin key with `{ type: 'key', id: <that key's id>, address }`.
   */
  authorize?: (request: Req) => Caller | null | undefined | Promise<Caller | null | undefined>
  /** Where an admin key is read from, as in apiKeyAuth. */
  header?: string
  bearer?: boolean
  /** Unexpected failures (store down, authorize threw): logged here, answered with 503. */
  onError?: OnError
}

/** Ids a proxy or client may pass on: 1-128 of letters, digits and `._:-` (UUIDs, trace ids). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's X-Request-Id when it is a sane id; anything else is not recorded. */
export function requestIdOf<Req>(input: RouteInput<Req>): string | undefined {
  const value = input.header('x-request-id')
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined
}

/** The change context of a request: its actor and request id, for the audit log. */
export function contextOf<Req>(input: RouteInput<Req>, type: Actor['type'], id?: string): ChangeContext {
  const actor: Actor = { type }
  if (id !== undefined) actor.id = id
  if (typeof input.address === 'string' && input.address.length > 0) actor.address = input.address
  const requestId = requestIdOf(input)
  return requestId === undefined ? { actor } : { actor, requestId }
}

function callerOf(value: unknown): Caller | null {
  if (typeof value !== 'object' || value === null) return null
  const { admin, ownerId } = value as { admin?: unknown; ownerId?: unknown }
  if (admin === true) return { admin: true }
  if (typeof ownerId === 'string' && ownerId.length > 0) return { ownerId }
  return null
}

export type AccessHandler<Req> = (
  input: RouteInput<Req>,
  caller: Caller,
  ctx: ChangeContext,
) => Promise<Reply>

/** Checks the shared options; returns `guarded`, which wraps a handler with the caller check and the error mapping. */
export function managementAccess<Req>(options: AccessOptions<Req>, where: string) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where} needs an options object: { warden, authorize? }`)
  }
  const { warden, authorize, onError = defaultOnError } = options
  assertWarden(warden, where)
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new ConfigError(
      `${where}: authorize must be a function (request) => { ownerId } | { admin: true } | null`,
    )
  }
  if (typeof onError !== 'function') throw new ConfigError(`${where}: onError must be a function`)
  const { header, bearer } = normalizeAuthOptions(
    { warden, header: options.header, bearer: options.bearer },
    where,
  )

  async function identify(input: RouteInput<Req>): Promise<[Caller, ChangeContext] | null> {
    if (authorize) {
      const caller = callerOf(await authorize(input.native))
      if (caller) return [caller, contextOf(input, 'system')]
    }
    const key = readKey(input.header(header), bearer ? input.authorization() : null)
    if (key === null) return null
    const result = await warden.keys.verify(key, { scopes: [ADMIN_SCOPE] })
    return result.valid ? [{ admin: true }, contextOf(input, 'key', result.key.id)] : null
  }

  const guarded =
    (handler: AccessHandler<Req>) =>
    async (input: RouteInput<Req>): Promise<Reply> => {
      let who: [Caller, ChangeContext] | null
      try {
        who = await identify(input)
      } catch (error) {
        onError(error)
        return UNAVAILABLE
      }
      if (!who) return UNAUTHORIZED
      try {
        return await handler(input, who[0], who[1])
      } catch (error) {
        return errorReply(error, onError)
      }
    }
  return { warden, onError, guarded }
}
