/**
 * A local stand-in for an AI provider: `GET /v1/models` answers by the bearer key —
 * a key containing "Good" 200, "Limited" 429, "Hang" never answers, anything else 401 (with
 * the key quoted in the body, as real providers half-do, to prove nothing echoes it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeProvider {
  baseUrl: string
  /** How many requests reached /v1/models. */
  calls(): number
  close(): Promise<void>
}

export async function startFakeProvider(): Promise<FakeProvider> {
  let calls = 0
  const hanging = new Set<ServerResponse>()
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/v1/models') {
      res.writeHead(404).end()
      return
    }
    calls++
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    if (key.includes('Hang')) {
      hanging.add(res)
      return
    }
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (key.includes('Good')) json(200, { object: 'list', data: [{ id: 'fake-model' }] })
    else if (key.includes('Limited')) json(429, { error: { message: `Rate limit reached for ${key}` } })
    else json(401, { error: { message: `Incorrect API key provided: ${key}` } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls: () => calls,
    async close() {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
