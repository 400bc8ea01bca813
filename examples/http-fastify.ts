import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyRequest } from 'fastify'
import { createKeywarden } from 'keywarden'
import {
  apiKeyAuth,
  byokRoutes,
  managementRoutes,
  requireHttps,
  requireProviderKey,
  requireScopes,
} from 'keywarden/fastify'
import { memoryStore } from 'keywarden/stores/memory'
import { createVault } from 'keywarden/vault'

const store = memoryStore()
const warden = createKeywarden({ store, prefix: 'demo' })
const vault = createVault({
  secret: process.env.KEYWARDEN_SECRET ?? randomBytes(32).toString('base64'),
  store,
})

// Who is signed in comes from your own auth (session, JWT…); a header stands in for it here.
const userOf = (request: FastifyRequest) => (request.headers['x-user-id'] as string | undefined) ?? null
const identify = (request: FastifyRequest) => ({ userId: userOf(request) })

export const app = Fastify()
if (process.env.NODE_ENV === 'production') app.addHook('onRequest', requireHttps({ trustProxy: true }))

// Your API: every route registered in this context needs a valid key; this one also needs a scope.
await app.register(async (api) => {
  await api.register(apiKeyAuth({ warden, onReject: ({ code }) => console.info(`key rejected: ${code}`) }))
  api.get('/api/users', { preHandler: requireScopes('users:read') }, async (request) => ({
    users: [],
    calledBy: request.apiKey?.name,
  }))
})

// Signed-in users manage their own keys; nobody else gets in (closed by default).
await app.register(
  managementRoutes({
    warden,
    authorize: (request) => {
      const user = userOf(request)
      return user ? { ownerId: user } : null
    },
    // What users may give their own keys (admins are not held to it).
    ownerPolicy: {
      scopes: ['users:read'],
      defaults: {
        remaining: 1000,
        refill: { amount: 1000, interval: 'monthly' },
        rateLimits: [{ name: 'minute', limit: 60, windowMs: 60_000 }],
      },
      maxExpiresInMs: 90 * 86_400_000,
    },
  }),
  { prefix: '/keys' },
)

// Users bring their own OpenAI key; /chat refuses with 428 until they have.
await app.register(byokRoutes({ vault, identify }), { prefix: '/me/provider-keys' })
app.post(
  '/chat',
  { preHandler: requireProviderKey('openai', { vault, identify, addKeyUrl: '/settings/keys' }) },
  async (request) => {
    const openaiKey = await vault.for({ userId: userOf(request) }).get('openai')
    return { reply: `would call OpenAI with ${openaiKey?.slice(0, 4)}…` }
  },
)

export const demo = await warden.keys.create({ name: 'demo', scopes: ['users:read'] })

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000)
  await app.listen({ port })
  console.log(`listening on http://localhost:${port}`)
  console.log(`try: curl -H "X-API-Key: ${demo.key}" http://localhost:${port}/api/users`)
}
