import type { Context } from 'hono'
import type { ChangeContext } from 'keywarden'
import { actorAddress } from './dashboard/security.js'
import { withRequestContext } from './log/activity.js'

/**
 * The change context of a request made with an API key (after apiKeyAuth): the key, the client
 * address and the request id. Routes that change something pass it on, so the audit log names them.
 */
export function apiKeyContext(c: Context): ChangeContext {
  const key = c.get('apiKey') as { id: string } | undefined
  return withRequestContext({
    actor: key ? { type: 'key', id: key.id, ...actorAddress(c) } : { type: 'system', ...actorAddress(c) },
  })
}
