/** Reading the query parameters of the usage and audit routes: every bad one is a FieldProblem. */
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from '../events/types.js'
import type { AuditQuery } from '../stores/audit-types.js'
import type { UsageGranularity, UsageReport } from '../usage/types.js'
import type { FieldProblem } from './problem.js'
import type { RouteInput } from './routes.js'

const GRANULARITY_MS: Record<UsageGranularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }
/** The most buckets one answer holds (a week by minute, a year and more by day). */
export const MAX_BUCKETS = 10_080
const DAY_MS = 86_400_000
const MAX_LIMIT = 1000

export interface UsageRange {
  from: Date
  to: Date
  granularity: UsageGranularity
}

/** A date as ISO 8601 or epoch milliseconds; null when absent, undefined when invalid. */
function dateParam(raw: string | null | undefined): Date | null | undefined {
  if (raw === null || raw === undefined || raw === '') return null
  const date = /^\d{1,15}$/.test(raw) ? new Date(Number(raw)) : raw.length <= 64 ? new Date(raw) : null
  return date && !Number.isNaN(date.getTime()) ? date : undefined
}

function readDates<Req>(input: RouteInput<Req>, problems: FieldProblem[]) {
  const out: { from?: Date; to?: Date } = {}
  for (const field of ['from', 'to'] as const) {
    const value = dateParam(input.query(field))
    if (value === undefined) {
      problems.push({ field, detail: `${field} must be an ISO 8601 date or epoch milliseconds` })
    } else if (value !== null) out[field] = value
  }
  if (out.from && out.to && out.from.getTime() >= out.to.getTime()) {
    problems.push({ field: 'from', detail: 'from must be before to' })
  }
  return out
}

/** from, to and granularity of a usage query; default: the last 24 hours by hour, up to the end of the current bucket. */
export function readUsageRange<Req>(input: RouteInput<Req>, now: Date, problems: FieldProblem[]): UsageRange {
  const rawGranularity = input.query('granularity') || 'hour'
  let granularity: UsageGranularity = 'hour'
  if (Object.hasOwn(GRANULARITY_MS, rawGranularity)) granularity = rawGranularity as UsageGranularity
  else problems.push({ field: 'granularity', detail: 'granularity must be minute, hour or day' })
  const dates = readDates(input, problems)
  // Default end: the end of the current bucket, so the answer includes what happened just now.
  const step = GRANULARITY_MS[granularity]
  const to = dates.to ?? new Date(Math.ceil((now.getTime() + 1) / step) * step)
  const from = dates.from ?? new Date(to.getTime() - DAY_MS)
  if (
    from.getTime() < to.getTime() &&
    (to.getTime() - from.getTime()) / GRANULARITY_MS[granularity] > MAX_BUCKETS
  ) {
    problems.push({
      field: 'from',
      detail: `the range holds more than ${MAX_BUCKETS} ${granularity} buckets; narrow it or use a coarser granularity`,
    })
  }
  return { from, to, granularity }
}

/** A usage report as JSON: ISO dates, and totals over the range by outcome. */
export function usageJson(range: UsageRange, report: UsageReport, scope: Record<string, string>) {
  const totals = { valid: 0, invalid: {} as Record<string, number>, spent: 0 }
  const buckets = report.buckets.map((bucket) => {
    totals.valid += bucket.valid
    totals.spent += bucket.spent
    for (const [code, count] of Object.entries(bucket.invalid)) {
      totals.invalid[code] = (totals.invalid[code] ?? 0) + (count ?? 0)
    }
    return { at: bucket.at.toISOString(), valid: bucket.valid, invalid: bucket.invalid, spent: bucket.spent }
  })
  return {
    ...scope,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    granularity: range.granularity,
    totals,
    buckets,
  }
}

/** targetId, action, actorId, ownerId, from, to, cursor and limit of GET /audit. */
export function readAuditParams<Req>(input: RouteInput<Req>, problems: FieldProblem[]): AuditQuery {
  const params: AuditQuery = { limit: 50, ...readDates(input, problems) }
  for (const field of ['targetId', 'actorId', 'ownerId'] as const) {
    const value = input.query(field)
    if (value === null || value === undefined || value === '') continue
    if (value.length > 512) problems.push({ field, detail: `${field} must be at most 512 characters` })
    else params[field] = value
  }
  const action = input.query('action')
  if (action) {
    if ((AUDIT_ACTIONS as readonly string[]).includes(action)) params.action = action as AuditAction
    else problems.push({ field: 'action', detail: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  }
  const rawLimit = input.query('limit')
  if (rawLimit !== null && rawLimit !== undefined) {
    const limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN
    if (limit >= 1 && limit <= MAX_LIMIT) params.limit = limit
    else problems.push({ field: 'limit', detail: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  }
  const cursor = input.query('cursor')
  if (cursor) {
    if (cursor.length > 1024)
      problems.push({ field: 'cursor', detail: 'cursor must be the nextCursor of a previous page' })
    else params.cursor = cursor
  }
  return params
}

/** An audit entry as JSON: the date as ISO; everything else is plain already (never a secret). */
export function auditJson(entry: AuditEntry): Record<string, unknown> {
  return { ...entry, at: entry.at.toISOString() }
}
