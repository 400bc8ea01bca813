// A webhook receiver with Node's standard library only: checks the Standard Webhooks signature
// by hand. Run: WEBHOOK_SECRET=whsec_… PORT=8000 node examples/webhooks/receiver.mjs
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'

const secret = process.env.WEBHOOK_SECRET ?? ''
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
const TOLERANCE_SECONDS = 5 * 60

function verify(body, headers) {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (!id || !timestamp || !signatures) return false
  // Refuse old (replayed) and future timestamps.
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest()
  // The header may carry several space-separated signatures (during a secret rotation).
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',')
    const given = Buffer.from(signature ?? '', 'base64')
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
  })
}

const seen = new Set() // webhook-id is the same on every retry: handle each event once
const server = createServer((req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => (body += chunk))
  req.on('end', () => {
    if (req.method !== 'POST' || !verify(body, req.headers)) {
      res.writeHead(400).end('invalid signature')
      return
    }
    const id = req.headers['webhook-id']
    if (!seen.has(id)) {
      seen.add(id)
      const event = JSON.parse(body)
      console.log(JSON.stringify({ id, type: event.type, data: event.data }))
    }
    res.writeHead(204).end()
  })
})
server.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
