/**
 * POST /api/byok/resolve: a backend (keywarden:resolve) reads one owner's provider key from the
 * vault, e.g. a Python app fetching its user's OpenAI key. Every answer is logged (who, whose, which
 * provider, what came of it), never the value.
 */
import type { Context } from 'hono'
import { Hono } from 'hono'
import type { Keywarden } from 'keywarden'
import { ValidationError } from 'keywarden'
import {
  ADMIN_SCOPE,
  apiKeyAuth,
  contentTooLarge,
  invalidRequest,
  problemReply,
  requireAnyScope,
  toResponse,
  UNSUPPORTED_MEDIA_TYPE,
} from 'keywarden/hono'
import type { Vault } from 'keywarden/vault'
import { actorAddress } from './dashboard/security.js'
import { currentActivity, recordChange } from './log/activity.js'

/** What a key needs for /api/byok/resolve; an admin key has it implicitly. */
export const RESOLVE_SCOPE = 'keywarden:resolve'

const MAX_BODY_BYTES = 4096
const FIELDS = ['ownerId', 'provider']

export interface ResolveRouteOptions {
  warden: Keywarden
  vault: Vault
  onError: (error: unknown) => void
}

export type ResolveOutcome = 'returned' | 'none stored' | 'invalid request' | 'failed'

const UNAVAILABLE = problemReply(
  {
    type: 'https://keywarden.dev/problems/unavailable',
    title: 'Service Unavailable',
    status: 503,
    detail: 'The vault cannot be read right now. Try again shortly.',
  },
  { 'retry-after': '5' },
)

const notFound = (provider: string) =>
  problemReply({
    type: 'https://keywarden.dev/problems/not-found',
    title: 'Not Found',
    status: 404,
    detail: `This owner has no stored key for ${provider}.`,
  })

/** The body as { ownerId, provider }, or the problem to answer. */
async function readBody(c: Context) {
  if (!/^\s*application\/json\s*(?:;|$)/i.test(c.req.header('content-type') ?? '')) {
    return UNSUPPORTED_MEDIA_TYPE
  }
  const tooLarge = Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES
  const text = tooLarge ? '' : await c.req.text()
  if (tooLarge || text.length > MAX_BODY_BYTES)
    return contentTooLarge(`The body may be at most ${MAX_BODY_BYTES} bytes.`)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = null
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalidRequest([{ field: 'body', detail: 'body must be a JSON object: { ownerId, provider }' }])
  }
  const fields = body as Record<string, unknown>
  const problems = Object.keys(fields)
    .filter((name) => !FIELDS.includes(name))
    .map((name) => ({ field: name, detail: `${name} is not a field; send ownerId and provider` }))
  for (const name of FIELDS) {
    if (typeof fields[name] !== 'string' || fields[name] === '') {
      problems.push({ field: name, detail: `${name} must be a non-empty string` })
    }
  }
  if (problems.length > 0) return invalidRequest(problems)
  return { ownerId: fields.ownerId as string, provider: fields.provider as string }
}

/** secret.resolved in the audit log: which key read whose provider key; never the value. */
async function resolvedEvent(warden: Keywarden, c: Context, ownerId: string, provider: string) {
  const caller = c.get('apiKey')
  const requestId = currentActivity()?.reqId
  await warden.events.emit({
    type: 'secret.resolved',
    actor: { type: 'key', id: caller.id, ...actorAddress(c) },
    target: { type: 'secret', id: `user:${ownerId}/${provider}` },
    ownerId,
    detail: { source: 'user', provider },
    ...(requestId ? { requestId } : {}),
  })
}

/** A Hono app holding only POST /api/byok/resolve; mount it before the other /api/byok routes. */
export function resolveRoute({ warden, vault, onError }: ResolveRouteOptions): Hono {
  const app = new Hono()
  const guard = requireAnyScope(RESOLVE_SCOPE, ADMIN_SCOPE)
  app.post('/api/byok/resolve', apiKeyAuth({ warden }), guard, async (c) => {
    const body = await readBody(c)
    if ('status' in body) return toResponse(body)
    const { ownerId, provider } = body
    let outcome: ResolveOutcome = 'failed'
    try {
      const owner = vault.for({ userId: ownerId })
      const apiKey = await owner.get(provider)
      outcome = apiKey === null ? 'none stored' : 'returned'
      if (apiKey === null) return toResponse(notFound(provider))
      const summary = (await owner.list()).find((s) => s.provider === provider)
      await resolvedEvent(warden, c, ownerId, provider)
      c.header('Cache-Control', 'no-store')
      return c.json({ provider, apiKey, expiresAt: summary?.expiresAt?.toISOString() ?? null })
    } catch (error) {
      if (error instanceof ValidationError) {
        outcome = 'invalid request'
        const field = error.field === 'userId' ? 'ownerId' : 'provider'
        return toResponse(invalidRequest([{ field, detail: error.message.replace(/^userId/, 'ownerId') }]))
      }
      onError(error)
      return toResponse(UNAVAILABLE)
    } finally {
      recordChange({ action: 'byok.resolve', owner: ownerId, provider, outcome })
    }
  })
  return app
}
