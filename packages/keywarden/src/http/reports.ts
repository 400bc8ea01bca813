/**
 * Usage and audit over HTTP, framework-neutral: `GET /usage` and `GET /audit` (reportRoutes) and
 * the per-key `GET /:id/usage` that managementRoutes serves. Owners see only their own keys'
 * usage and entries; admins everything.
 */
import { ConfigError, ValidationError } from '../errors.js'
import type { Keywarden } from '../keys/keywarden.js'
import type { UsageQuery, UsageReport } from '../usage/types.js'
import { type AccessHandler, type AccessOptions, type Caller, managementAccess } from './access.js'
import {
  type FieldProblem,
  forbidden,
  invalidRequest,
  jsonReply,
  problemReply,
  type Reply,
} from './problem.js'
import { auditJson, readAuditParams, readUsageRange, type UsageRange, usageJson } from './report-params.js'
import type { Route, RouteInput } from './routes.js'

export interface ReportRoutesOptions<Req> extends AccessOptions<Req> {
  /** Clock for the default range (the last 24 hours); give the one createKeywarden has. */
  now?: () => Date
}

const notCounted = (what: string) =>
  problemReply({
    type: 'https://keywarden.dev/problems/not-implemented',
    title: 'Not Implemented',
    status: 501,
    detail: `This server keeps no ${what}.`,
  })

type UsageSource = { query(query: UsageQuery): Promise<UsageReport> }

function usageOf(warden: Keywarden): UsageSource | null {
  const usage = (warden as { usage?: Partial<UsageSource> }).usage
  return usage && typeof usage.query === 'function' ? (usage as UsageSource) : null
}

/** Runs a usage query for one key or one owner; 400 for bad parameters, 501 without usage counting. */
export async function usageReply<Req>(
  warden: Keywarden,
  input: RouteInput<Req>,
  now: Date,
  scope: { keyId: string } | { ownerId?: string },
): Promise<Reply> {
  const problems: FieldProblem[] = []
  const range: UsageRange = readUsageRange(input, now, problems)
  if (problems.length > 0) return invalidRequest(problems)
  const usage = usageOf(warden)
  if (!usage) return notCounted('usage counts')
  let report: UsageReport
  try {
    report = await usage.query({ ...scope, ...range })
  } catch (error) {
    if (error instanceof ConfigError) return notCounted('usage counts')
    throw error
  }
  const shown: Record<string, string> = {}
  for (const [name, value] of Object.entries(scope)) if (typeof value === 'string') shown[name] = value
  return jsonReply(200, usageJson(range, report, shown))
}

/** The owner a caller may ask about: its own (403 for another), or for an admin whatever it asked. */
function ownerScope<Req>(input: RouteInput<Req>, caller: Caller): { ownerId?: string } | Reply {
  const asked = input.query('ownerId') || undefined
  if (asked !== undefined && asked.length > 512) {
    return invalidRequest([{ field: 'ownerId', detail: 'ownerId must be at most 512 characters' }])
  }
  if ('ownerId' in caller) {
    if (asked !== undefined && asked !== caller.ownerId) {
      return forbidden(
        'You can read your own usage and history only: leave ownerId out or set it to your own id.',
      )
    }
    return { ownerId: caller.ownerId }
  }
  return asked === undefined ? {} : { ownerId: asked }
}

const isReply = (value: object): value is Reply => typeof (value as Reply).status === 'number'

export function reportRouteTable<Req>(options: ReportRoutesOptions<Req>): Route<Req>[] {
  const { warden, guarded } = managementAccess(options, 'reportRoutes')
  const { now = () => new Date() } = options
  if (typeof now !== 'function')
    throw new ConfigError('reportRoutes: now must be a function returning a Date')

  const usage: AccessHandler<Req> = async (input, caller) => {
    const scope = ownerScope(input, caller)
    return isReply(scope) ? scope : usageReply(warden, input, now(), scope)
  }

  const audit: AccessHandler<Req> = async (input, caller) => {
    const scope = ownerScope(input, caller)
    if (isReply(scope)) return scope
    const problems: FieldProblem[] = []
    const params = readAuditParams(input, problems)
    if (problems.length > 0) return invalidRequest(problems)
    if (!warden.events.audits) return notCounted('audit log')
    try {
      const page = await warden.audit.list({ ...params, ...scope })
      return jsonReply(200, { items: page.items.map(auditJson), nextCursor: page.nextCursor })
    } catch (error) {
      // A cursor the store cannot decode is the caller's mistake, whatever field the store named.
      if (error instanceof ValidationError && params.cursor) {
        return invalidRequest([
          { field: 'cursor', detail: 'cursor must be the nextCursor of a previous page' },
        ])
      }
      throw error
    }
  }

  return [
    { method: 'GET', path: '/usage', body: false, handle: guarded(usage) },
    { method: 'GET', path: '/audit', body: false, handle: guarded(audit) },
  ]
}
