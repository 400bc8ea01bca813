/**
 * The key management routes, framework-neutral. Closed by default: a caller is whoever
 * `authorize` says, or holds a key with the `keywarden:admin` scope; everyone else gets 401.
 */
import { ConfigError, ValidationError } from '../errors.js'
import {
  CREATE_FIELDS,
  REQUIRED_FIELDS,
  type SettableField,
  settableField,
  UPDATE_FIELDS,
} from '../keys/schema.js'
import { createScopeChecker } from '../keys/scopes.js'
import { validateNonNegativeInt } from '../keys/validate.js'
import type { ApiKeyRecord } from '../stores/types.js'
import { type AccessHandler, type AccessOptions, type Caller, managementAccess } from './access.js'
import { type OwnerPolicy, ownerRules } from './owner-policy.js'
import { forbidden, invalidRequest, jsonReply, NO_CONTENT, NOT_FOUND } from './problem.js'
import { usageReply } from './reports.js'
import {
  asBodyObject,
  BODY_NOT_JSON,
  collectFieldProblems,
  jsonOnly,
  type Route,
  type RouteInput,
} from './routes.js'
import { recordJson } from './serialize.js'

export { ADMIN_SCOPE, type Caller } from './access.js'

export interface ManagementRoutesOptions<Req> extends AccessOptions<Req> {
  /**
   * What owners may ask for on their own keys: allowed scopes, the default and loosest limits of a
   * new key, the longest expiry and roll grace. Admins are not held to it. Without it owners
   * manage the keys they have but cannot create keys.
   */
  ownerPolicy?: OwnerPolicy
  /** Clock for the policy's expiry bounds; give the one createKeywarden has. Default: the system clock. */
  now?: () => Date
}

const MAX_LIMIT = 1000

// The format of scopes only: keys.create and keys.update check them against the warden's known list.
const formatOnly = { scopes: createScopeChecker() }
const validatorsOf = (fields: readonly SettableField[]) =>
  Object.fromEntries(
    fields.map((name) => [name, (v: unknown) => settableField(name).parse(v, name, formatOnly)]),
  )
const createValidators = validatorsOf(CREATE_FIELDS)
const updateValidators = validatorsOf(UPDATE_FIELDS)
const rollValidators = {
  expireOldInMs: (v: unknown) => validateNonNegativeInt(v, 'expireOldInMs'),
}

export function managementRouteTable<Req>(options: ManagementRoutesOptions<Req>): Route<Req>[] {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('managementRoutes needs an options object: { warden, authorize? }')
  }
  const { warden, guarded } = managementAccess(options, 'managementRoutes')
  const { now = () => new Date() } = options
  if (typeof now !== 'function')
    throw new ConfigError('managementRoutes: now must be a function returning a Date')
  const owners = ownerRules(options.ownerPolicy, warden)

  type Handler = AccessHandler<Req>

  /** The key with that id if the caller may see it; another owner's key is simply not found. */
  async function visible(input: RouteInput<Req>, caller: Caller): Promise<ApiKeyRecord | null> {
    const id = input.param('id')
    if (id.length > 128) return null
    const record = await warden.keys.get(id)
    if (!record || ('ownerId' in caller && record.ownerId !== caller.ownerId)) return null
    return record
  }

  const create: Handler = async (input, caller, ctx) => {
    const body = asBodyObject(input.body, false)
    if (!body) return invalidRequest([BODY_NOT_JSON])
    const problems = collectFieldProblems(body, createValidators, REQUIRED_FIELDS)
    if (problems.length > 0) return invalidRequest(problems)
    const fields = { ...body } as Record<string, any>
    if ('ownerId' in caller) {
      if (fields.ownerId !== undefined && fields.ownerId !== caller.ownerId) {
        return forbidden('You can create keys for yourself only: leave ownerId out or set it to your own id.')
      }
      const refused = owners.create(fields, now())
      if (refused) return forbidden(refused)
      fields.ownerId = caller.ownerId
    }
    const { key, record } = await warden.keys.create(fields as any, ctx)
    return jsonReply(201, { key, record: recordJson(record) })
  }

  const list: Handler = async (input, caller) => {
    const problems = []
    const rawLimit = input.query('limit')
    let limit = 50
    if (rawLimit !== null && rawLimit !== undefined) {
      limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN
      if (!(limit >= 1 && limit <= MAX_LIMIT))
        problems.push({ field: 'limit', detail: `limit must be an integer from 1 to ${MAX_LIMIT}` })
    }
    const cursor = input.query('cursor') || null
    if (cursor !== null && cursor.length > 1024)
      problems.push({ field: 'cursor', detail: 'cursor must be the nextCursor of a previous page' })
    const ownerQuery = input.query('ownerId') || undefined
    if (problems.length > 0) return invalidRequest(problems)
    const ownerId = 'ownerId' in caller ? caller.ownerId : ownerQuery
    try {
      const page = await warden.keys.list({ ownerId, limit, cursor })
      return jsonReply(200, { items: page.items.map(recordJson), nextCursor: page.nextCursor })
    } catch (error) {
      // A cursor the store cannot decode is the caller's mistake, whatever field the store named.
      if (error instanceof ValidationError && cursor !== null) {
        return invalidRequest([
          { field: 'cursor', detail: 'cursor must be the nextCursor of a previous page' },
        ])
      }
      throw error
    }
  }

  const get: Handler = async (input, caller) => {
    const record = await visible(input, caller)
    return record ? jsonReply(200, recordJson(record)) : NOT_FOUND
  }

  const update: Handler = async (input, caller, ctx) => {
    const body = asBodyObject(input.body, false)
    if (!body) return invalidRequest([BODY_NOT_JSON])
    const problems = collectFieldProblems(body, updateValidators)
    if (problems.length > 0) return invalidRequest(problems)
    const record = await visible(input, caller)
    if (!record) return NOT_FOUND
    if ('ownerId' in caller) {
      if ('ownerId' in body && body.ownerId !== caller.ownerId) {
        return forbidden('You cannot give a key to another owner; ask an admin.')
      }
      const refused = owners.update(body, record, now())
      if (refused) return forbidden(refused)
    }
    return jsonReply(200, recordJson(await warden.keys.update(record.id, body as any, ctx)))
  }

  const revoke: Handler = async (input, caller, ctx) => {
    const record = await visible(input, caller)
    if (!record) return NOT_FOUND
    return jsonReply(200, recordJson(await warden.keys.revoke(record.id, ctx)))
  }

  const roll: Handler = async (input, caller, ctx) => {
    const body = asBodyObject(input.body, true)
    if (!body) return invalidRequest([BODY_NOT_JSON])
    const problems = collectFieldProblems(body, rollValidators)
    if (problems.length > 0) return invalidRequest(problems)
    const record = await visible(input, caller)
    if (!record) return NOT_FOUND
    if ('ownerId' in caller) {
      const refused = owners.roll((body.expireOldInMs as number | undefined) ?? 0)
      if (refused) return forbidden(refused)
    }
    const rolled = await warden.keys.roll(record.id, {
      ...(body as { expireOldInMs?: number }),
      ...ctx,
    })
    return jsonReply(201, {
      key: rolled.key,
      record: recordJson(rolled.record),
      previous: recordJson(rolled.previous),
    })
  }

  const usage: Handler = async (input, caller) => {
    const record = await visible(input, caller)
    return record ? usageReply(warden, input, now(), { keyId: record.id }) : NOT_FOUND
  }

  const remove: Handler = async (input, caller, ctx) => {
    const record = await visible(input, caller)
    if (!record) return NOT_FOUND
    await warden.keys.delete(record.id, ctx)
    return NO_CONTENT
  }

  return jsonOnly([
    { method: 'POST', path: '/', body: true, handle: guarded(create) },
    { method: 'GET', path: '/', body: false, handle: guarded(list) },
    { method: 'GET', path: '/:id', body: false, handle: guarded(get) },
    { method: 'GET', path: '/:id/usage', body: false, handle: guarded(usage) },
    { method: 'PATCH', path: '/:id', body: true, handle: guarded(update) },
    { method: 'POST', path: '/:id/revoke', body: false, handle: guarded(revoke) },
    { method: 'POST', path: '/:id/roll', body: true, handle: guarded(roll) },
    { method: 'DELETE', path: '/:id', body: false, handle: guarded(remove) },
  ])
}
