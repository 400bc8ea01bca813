/**
 * The first middleware of the server: gives every request an id (echoed in X-Request-Id) and
 * writes one line when it ends: refused requests and changes at info, other requests at debug.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { clientAddress, type ServerEnv } from '../dashboard/security.js'
import { type Activity, runWithActivity } from './activity.js'
import type { Logger } from './logger.js'
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js'

const MAX_PATH = 128

/** The matched route pattern (`/api/keys/:id`), so ids a client typed into a URL stay out of the log. */
function routeOf(c: Context): string {
  const pattern = routePath(c, -1)
  if (pattern && !pattern.endsWith('*')) return pattern
  return c.req.path.length > MAX_PATH ? `${c.req.path.slice(0, MAX_PATH)}…` : c.req.path
}

/**
 * The RFC 9457 problem as a code: its type's last segment (`…/unsupported-media-type` →
 * UNSUPPORTED_MEDIA_TYPE), or its title for `about:blank` (Not Found → NOT_FOUND).
 */
async function problemCode(res: Response): Promise<string | undefined> {
  if (!res.headers.get('content-type')?.startsWith('application/problem+json')) return undefined
  try {
    const { type, title } = (await res.clone().json()) as { type?: unknown; title?: unknown }
    const name = type === 'about:blank' ? title : typeof type === 'string' ? type.split('/').pop() : undefined
    return typeof name === 'string' && name !== ''
      ? name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()
      : undefined
  } catch {
    return undefined
  }
}

async function refusalCode(c: Context, caller: Activity['verifications'][number] | undefined) {
  if (caller && caller.code !== 'VALID') return caller.code
  const code = await problemCode(c.res)
  if (code === 'UNAUTHORIZED' && !caller) return 'MISSING'
  return code ?? `HTTP_${c.res.status}`
}

export function requestLog(logger: Logger): MiddlewareHandler<ServerEnv> {
  return async function requestLog(c, next) {
    const started = performance.now()
    const activity: Activity = { reqId: requestIdOf(c.req.header(REQUEST_ID_HEADER)), verifications: [] }
    await runWithActivity(activity, next)
    c.header(REQUEST_ID_HEADER, activity.reqId)

    const { status } = c.res
    const [caller, target] = activity.verifications
    const fields: Record<string, unknown> = {
      reqId: activity.reqId,
      method: c.req.method,
      route: routeOf(c),
      status,
      client: clientAddress(c),
    }
    const sessionKey = c.get('session')?.adminKeyId
    const callerId = sessionKey ?? (caller?.code === 'VALID' ? caller.keyId : undefined)
    let level: 'debug' | 'info' | 'warn' = status >= 500 ? 'warn' : 'info'
    let msg: string
    if (activity.change) {
      // Changes are recorded once they succeed; a resolve is recorded whatever its outcome.
      const { action, ...targets } = activity.change
      msg = action
      Object.assign(fields, { caller: callerId }, targets)
    } else if (status >= 500) {
      msg = 'failed'
      fields.code = (await problemCode(c.res)) ?? `HTTP_${status}`
    } else if (status >= 400 || (caller && caller.code !== 'VALID' && !target)) {
      // The key the refusal is about: the caller's own, when it exists.
      msg = 'refused'
      fields.code = await refusalCode(c, caller)
      if (caller?.keyId) Object.assign(fields, { keyId: caller.keyId, keyStart: caller.keyStart })
    } else if (target) {
      msg = 'verify'
      if (target.code === 'VALID') level = 'debug'
      Object.assign(fields, {
        caller: callerId,
        code: target.code,
        keyId: target.keyId,
        keyStart: target.keyStart,
      })
    } else {
      ;[level, msg] = ['debug', 'request']
      if (callerId) fields.caller = callerId
    }
    fields.ms = Math.round(performance.now() - started)
    logger[level](fields, msg)
  }
}
