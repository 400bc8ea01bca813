import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

export interface Received {
  id: string
  timestamp: string
  signature: string
  body: string
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  /** Whether standardwebhooks accepted the signature. */
  valid: boolean
}

/**
 * A local receiver that checks every request with the Standard Webhooks reference library.
 * `answers` is consumed per request (then 200); `answerFor` decides by the event id and how often it came before.
 */
export async function startReceiver(
  secretOf: () => string | null,
  answers: number[] = [],
  answerFor?: (id: string, before: number) => number,
) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      }
      let valid = false
      const secret = secretOf()
      if (secret) {
        try {
          new Webhook(secret).verify(body, headers)
          valid = true
        } catch {}
      }
      received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        payload: JSON.parse(body),
        valid,
      })
      const before = received.filter((r) => r.id === headers['webhook-id']).length - 1
      res.statusCode = answerFor ? answerFor(headers['webhook-id'], before) : (answers.shift() ?? 200)
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Polls `check` (running `step` before each look) until it holds; fails after `tries` rounds. */
export async function until(
  check: () => boolean,
  step: () => Promise<unknown> = async () => {},
  tries = 2000,
) {
  for (let i = 0; i < tries; i++) {
    await step()
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('condition not reached')
}
