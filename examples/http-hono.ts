import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { createKeywarden } from 'keywarden'
import {
  apiKeyAuth,
  byokRoutes,
  managementRoutes,
  requireHttps,
  requireProviderKey,
  requireScopes,
} from 'keywarden/hono'
import { memoryStore } from 'keywarden/stores/memory'
import { createVault } from 'keywarden/vault'

const store = memoryStore()
const warden = createKeywarden({ store, prefix: 'demo' })
const vault = createVault({
  secret: process.env.KEYWARDEN_SECRET ?? randomBytes(32).toString('base64'),
  store,
})

// Who is signed in comes from your own auth (session, JWT…); a header stands in for it here.
const userOf = (c: Context) => c.req.header('x-user-id') ?? null
const identify = (c: Context) => ({ userId: userOf(c) })

export const app = new Hono()
if (process.env.NODE_ENV === 'production') app.use('*', requireHttps({ trustProxy: true }))

// Your API: every /api route needs a valid key; this one also needs a scope.
app.use('/api/*', apiKeyAuth({ warden, onReject: ({ code }) => console.info(`key rejected: ${code}`) }))
app.get('/api/users', requireScopes('users:read'), (c) =>
  c.json({ users: [], calledBy: c.get('apiKey').name }),
)

// Signed-in users manage their own keys; nobody else gets in (closed by default).
app.route(
  '/keys',
  managementRoutes({
    warden,
    authorize: (c) => {
      const user = userOf(c)
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
)

// Users bring their own OpenAI key; /chat refuses with 428 until they have.
app.route('/me/provider-keys', byokRoutes({ vault, identify }))
app.post(
  '/chat',
  requireProviderKey('openai', { vault, identify, addKeyUrl: '/settings/keys' }),
  async (c) => {
    const openaiKey = await vault.for({ userId: userOf(c) }).get('openai')
    return c.json({ reply: `would call OpenAI with ${openaiKey?.slice(0, 4)}…` })
  },
)

export const demo = await warden.keys.create({ name: 'demo', scopes: ['users:read'] })

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, ({ port }) => {
    console.log(`listening on http://localhost:${port}`)
    console.log(`try: curl -H "X-API-Key: ${demo.key}" http://localhost:${port}/api/users`)
  })
}
