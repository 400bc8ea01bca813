// A webhook receiver that checks signatures with the Standard Webhooks library (npm i standardwebhooks).
// Run: WEBHOOK_SECRET=whsec_… PORT=8000 node examples/webhooks/receiver-standardwebhooks.mjs
import { createServer } from 'node:http'
import { Webhook } from 'standardwebhooks'

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? '')

const server = createServer((req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => (body += chunk))
  req.on('end', () => {
    try {
      // Checks the signature and refuses timestamps more than 5 minutes off; returns the parsed body.
      const event = webhook.verify(body, req.headers)
      console.log(JSON.stringify({ id: req.headers['webhook-id'], type: event.type, data: event.data }))
      res.writeHead(204).end()
    } catch {
      res.writeHead(400).end('invalid signature')
    }
  })
})
server.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
