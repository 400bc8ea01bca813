/** Drives the server app in-process (app.request) like a browser: cookies, forms, CSRF token. */
import type { Hono } from 'hono'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { type MemoryStore, memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createVault, type ProviderSettings } from '../packages/keywarden/src/vault/index.js'
import { createServerApp, storeHealthCheck } from '../packages/server/src/app.js'
import { createLogger } from '../packages/server/src/log/logger.js'

export const TEST_SECRET = 'pQ8vX2mL7rT0wZ5yB3nD9kF4hJ6sG1cA-test-only'
export const ORIGIN = 'http://127.0.0.1:3000'

/**
 * The server app on a memory store. With `logLevel` its log lines (JSON) are kept in `lines`;
 * without, it logs nothing.
 */
export function memoryServer({
  now,
  logLevel,
  providers,
}: {
  now?: () => Date
  logLevel?: 'debug' | 'info'
  providers?: Record<string, ProviderSettings>
} = {}) {
  const clock = now ? { now } : {}
  const store: MemoryStore = memoryStore()
  const warden = createKeywarden({ store, prefix: 'kw', lastUsed: false, ...clock })
  // One hub, as startServer builds it: provider-key changes land in the warden's audit log.
  const vault = createVault({
    secret: TEST_SECRET,
    store,
    events: warden.events,
    ...clock,
    ...(providers ? { providers } : {}),
  })
  const errors: unknown[] = []
  const lines: string[] = []
  const app = createServerApp({
    warden,
    vault,
    secret: TEST_SECRET,
    checkHealth: storeHealthCheck(store),
    onError: (error) => errors.push(error),
    logger: logLevel
      ? createLogger({ level: logLevel, json: true, write: (line) => lines.push(line) })
      : createLogger({ level: 'silent' }),
    ...clock,
  })
  return { app, warden, vault, store, errors, lines }
}

export class Browser {
  readonly cookies = new Map<string, string>()
  constructor(
    readonly app: Hono<any>,
    readonly origin = ORIGIN,
  ) {}

  async request(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    }
    let body = init.body
    if (init.form) {
      body = new URLSearchParams(init.form).toString()
      headers.set('content-type', 'application/x-www-form-urlencoded')
    }
    const method = init.method ?? (init.form ? 'POST' : 'GET')
    if (method !== 'GET' && !headers.has('origin')) headers.set('origin', this.origin)
    const res = await this.app.request(`${this.origin}${path}`, { ...init, method, headers, body })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';') as [string]
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }

  /** GET /login, then POST the key with the form's token. */
  async signIn(key: string): Promise<Response> {
    const page = await (await this.request('/login')).text()
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1]
    if (!token) throw new Error('the login page has no _csrf field')
    return this.request('/login', { form: { _csrf: token, key } })
  }

  /** The CSRF token of the signed-in dashboard page. */
  async csrfToken(): Promise<string> {
    const page = await (await this.request('/')).text()
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(page)?.[1]
    if (!token) throw new Error('the dashboard page has no csrf-token meta tag (not signed in?)')
    return token
  }
}
