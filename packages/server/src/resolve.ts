/**
 * POST /api/byok/resolve: a backend (keywarden:resolve) gets the provider key one owner should use,
 * e.g. a Python app fetching its user's OpenAI key: the owner's own key, else a key of one of
 * `teamIds`, else the platform key, as the provider's fallback policy allows (vault resolve, which
 * emits the one `secret.resolved` event). Every answer is logged (who, whose, which provider, the
 * source and ref), never the value.
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
import { recordChange } from './log/activity.js'
import { apiKeyContext } from './request-context.js'

/** What a key needs for /api/byok/resolve; an admin key has it implicitly. */
export const RESOLVE_SCOPE = 'keywarden:resolve'

const MAX_BODY_BYTES = 4096
const FIELDS = ['ownerId', 'provider']
const OPTIONAL_FIELDS = ['teamIds']
const MAX_TEAMS = 100

export interface ResolveRouteOptions {
  warden: Keywarden
  vault: Vault
  onError: (error: unknown) => void
}

export type ResolveOutcome = 'returned' | 'none stored' | 'budget exceeded' | 'invalid request' | 'failed'

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
    detail: `This owner has no stored key for ${provider}, and the provider's fallback policy allows no team or platform key.`,
    reason: 'MISSING',
  })

const budgetExceeded = (provider: string) =>
  problemReply({
    type: 'https://keywarden.dev/problems/budget-exceeded',
    title: 'Budget Exceeded',
    status: 402,
    detail: `Every ${provider} key this owner may use is over its monthly budget; raise a budget or wait for next month.`,
    reason: 'BUDGET_EXCEEDED',
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
    .filter((name) => !FIELDS.includes(name) && !OPTIONAL_FIELDS.includes(name))
    .map((name) => ({
      field: name,
      detail: `${name} is not a field; send ownerId, provider and optionally teamIds`,
    }))
  for (const name of FIELDS) {
    if (typeof fields[name] !== 'string' || fields[name] === '') {
      problems.push({ field: name, detail: `${name} must be a non-empty string` })
    }
  }
  const teamIds = fields.teamIds ?? []
  if (
    !Array.isArray(teamIds) ||
    teamIds.length > MAX_TEAMS ||
    teamIds.some((id) => typeof id !== 'string' || id === '' || id.length > 512)
  ) {
    problems.push({
      field: 'teamIds',
      detail: `teamIds must be an array of at most ${MAX_TEAMS} non-empty team ids, in fallback order`,
    })
  }
  if (problems.length > 0) return invalidRequest(problems)
  return {
    ownerId: fields.ownerId as string,
    provider: fields.provider as string,
    teamIds: teamIds as string[],
  }
}

/** A Hono app holding only POST /api/byok/resolve; mount it before the other /api/byok routes. */
export function resolveRoute({ warden, vault, onError }: ResolveRouteOptions): Hono {
  const app = new Hono()
  const guard = requireAnyScope(RESOLVE_SCOPE, ADMIN_SCOPE)
  app.post('/api/byok/resolve', apiKeyAuth({ warden }), guard, async (c) => {
    const body = await readBody(c)
    if ('status' in body) return toResponse(body)
    const { ownerId, provider, teamIds } = body
    let outcome: ResolveOutcome = 'failed'
    let source: string | undefined
    let ref: string | undefined
    try {
      const context = apiKeyContext(c)
      const result = await vault.for({ userId: ownerId, teamIds }).resolve(provider, context)
      if (result.apiKey === null) {
        outcome = result.reason === 'BUDGET_EXCEEDED' ? 'budget exceeded' : 'none stored'
        return toResponse(result.reason === 'BUDGET_EXCEEDED' ? budgetExceeded(provider) : notFound(provider))
      }
      outcome = 'returned'
      source = result.source
      ref = result.ref
      const teamId = result.source === 'team' ? (result.teamId ?? null) : null
      const holder =
        result.source === 'platform' ? null : vault.for(teamId ? { teamId } : { userId: ownerId })
      const summary = holder ? (await holder.list()).find((s) => s.provider === provider) : undefined
      c.header('Cache-Control', 'no-store')
      return c.json({
        provider,
        apiKey: result.apiKey,
        source: result.source,
        ref: result.ref,
        teamId,
        expiresAt: summary?.expiresAt?.toISOString() ?? null,
      })
    } catch (error) {
      if (error instanceof ValidationError) {
        outcome = 'invalid request'
        const field =
          error.field === 'userId' ? 'ownerId' : error.field === 'teamIds' ? 'teamIds' : 'provider'
        return toResponse(invalidRequest([{ field, detail: error.message.replace(/^userId/, 'ownerId') }]))
      }
      onError(error)
      return toResponse(UNAVAILABLE)
    } finally {
      recordChange({
        action: 'byok.resolve',
        owner: ownerId,
        provider,
        outcome,
        ...(source ? { source, ref } : {}),
      })
    }
  })
  return app
}
