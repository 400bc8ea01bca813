/**
 * Users' own provider keys over HTTP (framework-neutral): the BYOK routes and the guards that
 * require a provider key. The vault is used through a structural interface, so any object with
 * createVault()'s `for()` works.
 */
import { ConfigError, DecryptError, ValidationError } from '../errors.js'
import type { Actor, ChangeContext } from '../events/types.js'
import type { SessionLike } from '../stores/types.js'
import type { SecretSummary } from '../vault/types.js'
import { requestIdOf } from './access.js'
import {
  invalidRequest,
  jsonReply,
  NO_CONTENT,
  NO_USER,
  problemReply,
  providerKeyRequired,
  type Reply,
  UNAVAILABLE,
} from './problem.js'
import {
  asBodyObject,
  BODY_NOT_JSON,
  collectFieldProblems,
  defaultOnError,
  errorReply,
  jsonOnly,
  type OnError,
  type Route,
  type RouteInput,
} from './routes.js'

/** What `list()` shows of a stored provider key (the vault's own summary type). */
export type ProviderKeySummary = SecretSummary

export interface VaultHandleLike {
  set(
    provider: string,
    apiKey: string,
    options?: { ttlMs?: number | null } & ChangeContext,
  ): Promise<ProviderKeySummary>
  has(provider: string): Promise<boolean>
  delete(provider: string, context?: ChangeContext): Promise<boolean>
  list(): Promise<ProviderKeySummary[]>
  clear(context?: ChangeContext): Promise<number>
}

export interface VaultLike {
  for(owner: { userId?: string | null; session?: SessionLike | null }): VaultHandleLike
}

/** Whose provider keys: a user id, the visitor's session, or both; null = nobody signed in. */
export interface Identity {
  userId?: string | null
  session?: SessionLike | null
  /**
   * Who the audit log names for changes made through the routes (e.g. `{ type: 'key', id }` for
   * the API key that called). Default `{ type: 'system' }`; the socket address is added.
   */
  actor?: Actor
}

export type Identify<Req> = (
  request: Req,
) => Identity | null | undefined | Promise<Identity | null | undefined>

export interface ByokRoutesOptions<Req> {
  vault: VaultLike
  identify: Identify<Req>
  /** Unexpected failures (store down, secret mismatch): logged here, answered with 503. */
  onError?: OnError
}

export interface ProviderGuardOptions<Req> {
  vault: VaultLike
  identify: Identify<Req>
  /** Where a user can add the missing key; sent in the 428 problem and a `Link: rel="help"` header. */
  addKeyUrl?: string
  onError?: OnError
}

const MAX_API_KEY = 4096
const MAX_TTL_MS = 10 * 365 * 24 * 3600e3
const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,63}$/

function assertVault(vault: unknown, where: string): asserts vault is VaultLike {
  if (typeof (vault as VaultLike | undefined)?.for !== 'function') {
    throw new ConfigError(`${where}: vault must be the object createVault() returns`)
  }
}

function assertIdentify(identify: unknown, where: string): void {
  if (typeof identify !== 'function') {
    throw new ConfigError(`${where}: identify must be a function (request) => ({ userId?, session? })`)
  }
}

/** The caller's vault handle, or null when identify names nobody. */
async function handleFor<Req>(vault: VaultLike, identify: Identify<Req>, request: Req) {
  const who = await identify(request)
  if (!who || typeof who !== 'object') return null
  const userId = typeof who.userId === 'string' && who.userId.length > 0 ? who.userId : null
  const session = who.session ?? null
  if (userId === null && session === null) return null
  return { mine: vault.for({ userId, session }), actor: who.actor }
}

/** The audit context of a BYOK change: identify's actor (default system), the socket address, X-Request-Id. */
function byokContext<Req>(input: RouteInput<Req>, actor: Actor | undefined): ChangeContext {
  const named: Actor =
    actor && typeof actor === 'object' && typeof actor.type === 'string' ? { ...actor } : { type: 'system' }
  if (named.address === undefined && typeof input.address === 'string' && input.address.length > 0) {
    named.address = input.address
  }
  const requestId = requestIdOf(input)
  return requestId === undefined ? { actor: named } : { actor: named, requestId }
}

const summaryJson = (s: ProviderKeySummary) => ({
  provider: s.provider,
  label: s.label,
  masked: s.masked,
  fingerprint: s.fingerprint,
  createdAt: new Date(s.createdAt).toISOString(),
  expiresAt: s.expiresAt ? new Date(s.expiresAt).toISOString() : null,
})

const putValidators = {
  apiKey: (v: unknown) => {
    if (typeof v !== 'string' || v.length < 1 || v.length > MAX_API_KEY) {
      throw new ValidationError(`apiKey must be a string of 1 to ${MAX_API_KEY} characters`, {
        field: 'apiKey',
      })
    }
  },
  ttlMs: (v: unknown) => {
    if (v !== null && !(Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= MAX_TTL_MS)) {
      throw new ValidationError(
        'ttlMs must be a positive integer of milliseconds (at most 10 years), or null',
        {
          field: 'ttlMs',
        },
      )
    }
  },
}

const unknownProvider = (provider: string) =>
  invalidRequest([
    {
      field: 'provider',
      detail: `provider "${provider.slice(0, 64)}" is not an id like "openai" (lowercase letters, digits, - and _)`,
    },
  ])

/** A vault that cannot decrypt is a server problem: logged, 503, and nothing deleted. */
function vaultError(error: unknown, onError: OnError): Reply {
  if (error instanceof DecryptError) {
    onError(error)
    return UNAVAILABLE
  }
  if (error instanceof ValidationError) {
    // The vault's message names the provider's expected format; it never contains the key itself.
    return invalidRequest([
      { field: error.field === 'provider' ? 'provider' : 'apiKey', detail: error.message },
    ])
  }
  return errorReply(error, onError)
}

export function byokRouteTable<Req>(options: ByokRoutesOptions<Req>): Route<Req>[] {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('byokRoutes needs an options object: { vault, identify }')
  }
  const { vault, identify, onError = defaultOnError } = options
  assertVault(vault, 'byokRoutes')
  assertIdentify(identify, 'byokRoutes')
  if (typeof onError !== 'function') throw new ConfigError('byokRoutes: onError must be a function')

  type Handler = (input: RouteInput<Req>, mine: VaultHandleLike, ctx: ChangeContext) => Promise<Reply>
  const guarded =
    (handler: Handler) =>
    async (input: RouteInput<Req>): Promise<Reply> => {
      let who: Awaited<ReturnType<typeof handleFor>>
      try {
        who = await handleFor(vault, identify, input.native)
      } catch (error) {
        onError(error)
        return UNAVAILABLE
      }
      if (!who) return NO_USER
      try {
        return await handler(input, who.mine, byokContext(input, who.actor))
      } catch (error) {
        return vaultError(error, onError)
      }
    }

  const put: Handler = async (input, mine, ctx) => {
    const provider = input.param('provider')
    if (!PROVIDER.test(provider)) return unknownProvider(provider)
    const body = asBodyObject(input.body, false)
    if (!body) return invalidRequest([BODY_NOT_JSON])
    const problems = collectFieldProblems(body, putValidators, ['apiKey'])
    if (problems.length > 0) return invalidRequest(problems)
    const ttl = body.ttlMs as number | null | undefined
    const summary = await mine.set(
      provider,
      body.apiKey as string,
      ttl === undefined ? ctx : { ...ctx, ttlMs: ttl },
    )
    return jsonReply(200, summaryJson(summary))
  }

  const list: Handler = async (_input, mine) =>
    jsonReply(200, { items: (await mine.list()).map(summaryJson) })

  const remove: Handler = async (input, mine, ctx) => {
    const provider = input.param('provider')
    if (!PROVIDER.test(provider)) return unknownProvider(provider)
    if (await mine.delete(provider, ctx)) return NO_CONTENT
    return problemReply({
      type: 'https://keywarden.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: `You have no stored key for ${provider}.`,
    })
  }

  const clear: Handler = async (_input, mine, ctx) => {
    await mine.clear(ctx)
    return NO_CONTENT
  }

  return jsonOnly([
    { method: 'PUT', path: '/:provider', body: true, handle: guarded(put) },
    { method: 'GET', path: '/', body: false, handle: guarded(list) },
    { method: 'DELETE', path: '/:provider', body: false, handle: guarded(remove) },
    { method: 'DELETE', path: '/', body: false, handle: guarded(clear) },
  ])
}

/**
 * requireProviderKey / requireAnyProviderKey: null to continue, or the Reply (428 naming the
 * providers and where to add a key; 401 when nobody is signed in; 503 when the vault fails).
 */
export function createProviderGuard<Req>(
  providers: readonly unknown[],
  options: ProviderGuardOptions<Req>,
  where: string,
) {
  if (providers.length === 0 || !providers.every((p) => typeof p === 'string' && PROVIDER.test(p))) {
    throw new ConfigError(`${where} needs provider ids such as "openai"`)
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where} needs an options object: { vault, identify, addKeyUrl? }`)
  }
  const { vault, identify, addKeyUrl = null, onError = defaultOnError } = options
  assertVault(vault, where)
  assertIdentify(identify, where)
  if (
    addKeyUrl !== null &&
    (typeof addKeyUrl !== 'string' || addKeyUrl.length === 0 || /[\s<>]/.test(addKeyUrl))
  ) {
    throw new ConfigError(`${where}: addKeyUrl must be a URL or path such as "/settings/keys"`)
  }
  const ids = [...(providers as string[])]
  const missing = providerKeyRequired(ids, addKeyUrl)
  return async function checkProviderKey(request: Req): Promise<Reply | null> {
    try {
      const who = await handleFor(vault, identify, request)
      if (!who) return NO_USER
      for (const provider of ids) if (await who.mine.has(provider)) return null
      return missing
    } catch (error) {
      onError(error)
      return UNAVAILABLE
    }
  }
}
