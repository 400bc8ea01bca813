// `node --import tsx bench/peers/better-auth-server.ts <sqlite file>`: better-auth's verifyApiKey
// behind a minimal Hono route on @hono/node-server (the framework and server keywarden's server
// uses), for peers.bench.ts to load with autocannon. Prints its URL on stderr once it listens.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { openBetterAuth } from './better-auth.js'

const file = process.argv[2]
if (!file) throw new Error('usage: better-auth-server.ts <sqlite file>')
const peer = await openBetterAuth(file)
const app = new Hono()
app.post('/verify', async (c) => {
  const { key } = await c.req.json<{ key: string }>()
  return c.json(await peer.verify(key))
})
// The framework's ceiling on this machine: the same route, body parsed, no verification.
app.post('/ceiling', async (c) => {
  await c.req.json()
  return c.json({ valid: true })
})
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
await once(server, 'listening')
process.stderr.write(`better-auth listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`)
process.once('SIGTERM', () => {
  server.close()
  peer.close()
  process.exit(0)
})
