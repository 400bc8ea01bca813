/**
 * keywarden/fastify — the same middleware, guards and routes for Fastify 5. apiKeyAuth and the
 * route sets are plugins (`app.register(...)`); the guards are hooks (`preHandler`/`onRequest`).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Keywarden } from '../keys/keywarden.js'
import type { ApiKeyRecord } from '../stores/types.js'
import {
  type ByokRoutesOptions,
  byokRouteTable,
  createProviderGuard,
  type ProviderGuardOptions,
} from './byok.js'
import {
  type ApiKeyAuthOptions,
  authenticate,
  createAuthenticator,
  createScopeGuard,
  isReply,
  isSecure,
  normalizeAuthOptions,
  normalizeHttpsOptions,
  type RequireHttpsOptions,
  readKey,
} from './core.js'
import { type ManagementRoutesOptions, managementRouteTable } from './management.js'
import { isEncrypted, nodeAuthorization, nodeHeader } from './node.js'
import { CONTENT_TOO_LARGE, HTTPS_REQUIRED, invalidRequest, type Reply, UNAVAILABLE } from './problem.js'
import { type ReportRoutesOptions, reportRouteTable } from './reports.js'
import { defaultOnError, INVALID_BODY, MAX_BODY_BYTES, type OnError, type Route } from './routes.js'
import { type VerifyRoutesOptions, verifyRouteTable } from './verify.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key's record, set by apiKeyAuth (null with `optional` when no key was sent). */
    apiKey: ApiKeyRecord | null
    /** The warden that verified `apiKey`, set beside it; the scope guards apply its hierarchy. */
    apiKeyWarden: Keywarden | null
  }
}

export type { AccessOptions } from './access.js'
export type {
  ByokRoutesOptions,
  Identify,
  Identity,
  ProviderGuardOptions,
  VaultHandleLike,
  VaultLike,
} from './byok.js'
export type { ApiKeyAuthOptions, RejectCode, RejectInfo, RequireHttpsOptions } from './core.js'
export type { Caller, ManagementRoutesOptions } from './management.js'
export type { OwnerDefaults, OwnerPolicy } from './owner-policy.js'
export type { ReportRoutesOptions } from './reports.js'
export type { OnError } from './routes.js'

export type FastifyHook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

function send(reply: FastifyReply, answer: Reply): FastifyReply {
  return reply
    .code(answer.status)
    .headers(answer.headers)
    .send(answer.body ?? undefined)
}

/**
 * A plugin that decorates `request.apiKey` and verifies every request of the context it is
 * registered in: `await app.register(apiKeyAuth({ warden }))`.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions<FastifyRequest>): FastifyPluginAsync {
  const normalized = normalizeAuthOptions(options)
  const { header, bearer } = normalized
  const auth = createAuthenticator(normalized)
  async function hook(request: FastifyRequest, reply: FastifyReply) {
    const key = readKey(
      nodeHeader(request.headers, header),
      bearer ? nodeAuthorization(request.headers, request.raw.rawHeaders) : null,
    )
    const outcome = await authenticate(auth, request, key)
    if (outcome === null) return
    if (isReply(outcome)) return send(reply, outcome)
    request.apiKey = outcome
    request.apiKeyWarden = auth.warden
  }
  const plugin = async function apiKeyAuth(fastify: FastifyInstance) {
    if (!fastify.hasRequestDecorator('apiKey')) fastify.decorateRequest('apiKey', null)
    if (!fastify.hasRequestDecorator('apiKeyWarden')) fastify.decorateRequest('apiKeyWarden', null)
    fastify.addHook('onRequest', hook)
  }
  // Like fastify-plugin: the hook applies to the context that registers it, not a child.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'keywarden-api-key-auth',
  })
  return plugin
}

function hookNamed(
  name: string,
  check: (request: FastifyRequest) => Reply | null | Promise<Reply | null>,
): FastifyHook {
  const hook = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await check(request)
    if (answer) return send(reply, answer)
  }
  Object.defineProperty(hook, 'name', { value: name })
  return hook
}

/** A preHandler hook: `{ preHandler: requireScopes('users:read') }`. */
export function requireScopes(...scopes: string[]): FastifyHook {
  const check = createScopeGuard(scopes, 'all', 'requireScopes')
  return hookNamed('requireScopes', (request) => check(request.apiKey, request.apiKeyWarden))
}

export function requireAnyScope(...scopes: string[]): FastifyHook {
  const check = createScopeGuard(scopes, 'any', 'requireAnyScope')
  return hookNamed('requireAnyScope', (request) => check(request.apiKey, request.apiKeyWarden))
}

export function requireProviderKey(
  provider: string,
  options: ProviderGuardOptions<FastifyRequest>,
): FastifyHook {
  return hookNamed('requireProviderKey', createProviderGuard([provider], options, 'requireProviderKey'))
}

export function requireAnyProviderKey(
  providers: readonly string[],
  options: ProviderGuardOptions<FastifyRequest>,
): FastifyHook {
  const list = Array.isArray(providers) ? providers : [providers]
  return hookNamed('requireAnyProviderKey', createProviderGuard(list, options, 'requireAnyProviderKey'))
}

/** An onRequest hook: `app.addHook('onRequest', requireHttps({ trustProxy: true }))`. */
export function requireHttps(options?: RequireHttpsOptions): FastifyHook {
  const hops = normalizeHttpsOptions(options)
  return hookNamed('requireHttps', async (request) =>
    isSecure(isEncrypted(request.raw.socket), nodeHeader(request.headers, 'x-forwarded-proto'), hops)
      ? null
      : HTTPS_REQUIRED,
  )
}

function fastifyPlugin(
  routes: Route<FastifyRequest>[],
  name: string,
  onError: OnError = defaultOnError,
): FastifyPluginAsync {
  const plugin = async (fastify: FastifyInstance) => {
    // Local to this plugin: any content type is read as JSON; a bad body is a 400 from the route.
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
      (_request, body, done) => {
        const text = body as string
        if (text === '') return done(null, undefined)
        try {
          done(null, JSON.parse(text))
        } catch {
          done(null, INVALID_BODY)
        }
      },
    )
    fastify.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
      const status = error.statusCode ?? 500
      if (status === 413) return send(reply, CONTENT_TOO_LARGE)
      if (status >= 400 && status < 500) {
        return send(reply, invalidRequest([{ field: 'body', detail: 'body must be a JSON object' }]))
      }
      onError(error)
      return send(reply, UNAVAILABLE)
    })
    for (const route of routes) {
      fastify.route({
        method: route.method,
        url: route.path,
        handler: async (request, reply) => {
          const params = request.params as Record<string, string | undefined>
          const query = request.query as Record<string, unknown>
          const answer = await route.handle({
            native: request,
            header: (headerName) => nodeHeader(request.headers, headerName),
            authorization: () => nodeAuthorization(request.headers, request.raw.rawHeaders),
            param: (param) => params[param] ?? '',
            query: (q) => {
              const value = query[q]
              return typeof value === 'string' ? value : value === undefined ? undefined : ''
            },
            address: request.raw.socket?.remoteAddress,
            body: route.body ? request.body : undefined,
          })
          return send(reply, answer)
        },
      })
    }
  }
  Object.defineProperty(plugin, 'name', { value: name })
  return plugin
}

/** A plugin: `app.register(managementRoutes({ warden, authorize }), { prefix: '/keys' })`. */
export function managementRoutes(options: ManagementRoutesOptions<FastifyRequest>): FastifyPluginAsync {
  return fastifyPlugin(managementRouteTable(options), 'keywardenManagementRoutes', options?.onError)
}

/**
 * Usage and audit history: `GET /usage?ownerId=&from=&to=&granularity=` and
 * `GET /audit?targetId=&action=&actorId=&from=&to=&cursor=&limit=`, closed like managementRoutes
 * (owners see only their own keys' usage and entries, admins everything).
 * @throws ConfigError when an option is invalid (no warden, authorize not a function, …).
 * @example
 * app.register(reportRoutes({ warden }), { prefix: '/api' })
 */
export function reportRoutes(options: ReportRoutesOptions<FastifyRequest>): FastifyPluginAsync {
  return fastifyPlugin(reportRouteTable(options), 'keywardenReportRoutes', options?.onError)
}

/** A plugin: `app.register(byokRoutes({ vault, identify }), { prefix: '/me/provider-keys' })`. */
export function byokRoutes(options: ByokRoutesOptions<FastifyRequest>): FastifyPluginAsync {
  return fastifyPlugin(byokRouteTable(options), 'keywardenByokRoutes', options?.onError)
}

export type { VerifyAnswer, VerifyRoutesOptions } from './verify.js'
export { VERIFY_SCOPE } from './verify.js'

/** A plugin: `app.register(verifyRoutes({ warden }), { prefix: '/verify' })`: POST /verify. */
export function verifyRoutes(options: VerifyRoutesOptions<FastifyRequest>): FastifyPluginAsync {
  return fastifyPlugin(verifyRouteTable(options), 'keywardenVerifyRoutes', options?.onError)
}
