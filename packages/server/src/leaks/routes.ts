/**
 * The leak endpoints: GitHub's secret-scanning partner callback and the self-service report.
 * Both hand each key to `warden.keys.reportLeak` under the configured policy.
 */
import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Keywarden, LeakPolicy } from 'keywarden'
import { clientAddress, type ServerEnv } from '../dashboard/security.js'
import { withRequestContext } from '../log/activity.js'
import { createLoginThrottle, type SignInLimit } from '../login-throttle.js'
import { type GithubKeys, githubKeys } from './github-keys.js'

export interface LeakRoutesOptions {
  warden: Keywarden
  /** KEYWARDEN_LEAK_POLICY; default 'revoke'. */
  policy?: LeakPolicy
  /** KEYWARDEN_GITHUB_KEYS_URL, or the keys object itself (tests). */
  githubKeysUrl: string
  keys?: GithubKeys
  /** Reports one address may post (counted per instance). Default 10 per minute. */
  reportLimit?: SignInLimit
  now?: () => number
  onError: (error: unknown) => void
}

const MAX_REPORTED_KEYS = 100
const MAX_KEY_LENGTH = 512
const MAX_GITHUB_TOKENS = 1000
const GITHUB_ACTOR = { type: 'system', id: 'github-secret-scanning' } as const

function problem(c: Context, status: 400 | 401 | 413 | 429 | 503, title: string, detail: string) {
  return c.json({ type: 'about:blank', title, status, detail }, status, {
    'Content-Type': 'application/problem+json',
  })
}

const tooLarge = (c: Context) => problem(c, 413, 'Payload Too Large', 'the body must be at most 1 MB')

/** `[{ token, type, url?, source? }]`, or null when the body is anything else. */
function parseGithubReport(text: string): Array<{ token: string; type: string }> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!Array.isArray(value) || value.length > MAX_GITHUB_TOKENS) return null
  const out: Array<{ token: string; type: string }> = []
  for (const item of value) {
    const { token, type } = (item ?? {}) as { token?: unknown; type?: unknown }
    if (typeof token !== 'string' || typeof type !== 'string' || type.length > 200) return null
    out.push({ token, type })
  }
  return out
}

/** `{ keys: [1..100 strings] }`, or null. */
function parseSelfReport(value: unknown): string[] | null {
  const keys = (value as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > MAX_REPORTED_KEYS) return null
  if (!keys.every((k) => typeof k === 'string' && k.length <= MAX_KEY_LENGTH)) return null
  return keys as string[]
}

export interface LeakRoutes {
  app: Hono<ServerEnv>
  /** Resolves when every report accepted so far has been handled (for shutdown and tests). */
  settled(): Promise<void>
}

export function leakRoutes(options: LeakRoutesOptions): LeakRoutes {
  const { warden, policy = 'revoke', now = Date.now, onError } = options
  const keys = options.keys ?? githubKeys({ url: options.githubKeysUrl, now })
  const throttle = createLoginThrottle(
    {
      perAddress: options.reportLimit ?? { limit: 10, windowMs: 60_000 },
      total: { limit: 10_000, windowMs: 60_000 },
    },
    now,
  )
  const background = new Set<Promise<void>>()
  const app = new Hono<ServerEnv>()
  const limit = bodyLimit({ maxSize: 1024 * 1024, onError: tooLarge })

  app.post('/api/leaks/github', limit, async (c) => {
    const keyId = c.req.header('github-public-key-identifier')
    const signature = c.req.header('github-public-key-signature')
    const unsigned = () => problem(c, 401, 'Unauthorized', 'the report must carry a valid GitHub signature')
    if (!keyId || !signature || keyId.length > 256 || signature.length > 512) return unsigned()
    const body = new Uint8Array(await c.req.arrayBuffer())
    let valid: boolean
    try {
      valid = await keys.verify(body, keyId, signature)
    } catch (error) {
      onError(error)
      return problem(c, 503, 'Service Unavailable', "GitHub's public keys could not be fetched; retry later")
    }
    if (!valid) return unsigned()
    const report = parseGithubReport(Buffer.from(body).toString('utf8'))
    if (!report)
      return problem(c, 400, 'Bad Request', 'the body must be a JSON array of { token, type, url, source }')
    const answer = []
    for (const { token, type } of report) {
      const label = await warden.keys.reportLeak(token, {
        policy,
        source: 'github',
        ...withRequestContext({ actor: GITHUB_ACTOR }),
      })
      answer.push({ token_hash: createHash('sha256').update(token).digest('hex'), token_type: type, label })
    }
    return c.json(answer)
  })

  app.post('/api/leaks/report', bodyLimit({ maxSize: 128 * 1024, onError: tooLarge }), async (c) => {
    const address = clientAddress(c)
    const wait = throttle.retryAfterMs(address)
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)))
      return problem(c, 429, 'Too Many Requests', 'too many leak reports from this address; retry later')
    }
    throttle.failed(address)
    let value: unknown
    try {
      value = await c.req.json()
    } catch {
      value = null
    }
    const reported = parseSelfReport(value)
    if (!reported) {
      return problem(
        c,
        400,
        'Bad Request',
        `the body must be { "keys": [...] } with 1 to ${MAX_REPORTED_KEYS} key strings`,
      )
    }
    // Handled after the answer: it is the same, and as fast, whichever keys exist.
    const actor = { type: 'system', id: 'leak-report', address } as const
    const work = (async () => {
      for (const key of new Set(reported)) {
        try {
          await warden.keys.reportLeak(key, {
            policy,
            source: 'report',
            ...withRequestContext({ actor }),
          })
        } catch (error) {
          onError(error)
        }
      }
    })()
    background.add(work)
    void work.finally(() => background.delete(work))
    return c.json({ received: reported.length }, 202)
  })

  return {
    app,
    async settled() {
      await Promise.allSettled([...background])
    },
  }
}
