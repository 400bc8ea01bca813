/** The receivers of docs/webhooks.md run (node, python3) and accept keywarden's deliveries. */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createKeywarden } from '../packages/keywarden/src/index.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { createWebhooks } from '../packages/keywarden/src/webhooks/index.js'
import { until } from './webhooks-helpers.js'

const ROOT = join(import.meta.dirname, '..')
const SECRET = 'Qm9yZWFsLWtleS1mb3Itd2ViaG9va3M-7f3a9c1e5b2d8f40a6c3e9b1d7f2a8c4'
const docs = readFileSync(join(ROOT, 'docs', 'webhooks.md'), 'utf8')
const hasPython = await new Promise<boolean>((resolve) => {
  const child = spawn('python3', ['--version'], { stdio: 'ignore' })
  child.once('exit', (code) => resolve(code === 0))
  child.once('error', () => resolve(false))
})

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

async function startExample(command: string, file: string, secret: string) {
  const child = spawn(command, [join(ROOT, 'examples', 'webhooks', file)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: secret, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (chunk) => {
    out += chunk
  })
  await until(
    () => /listening on (\S+)/.test(out),
    async () => {},
    1000,
  )
  return { url: /listening on (\S+)/.exec(out)?.[1] as string, out: () => out }
}

const receivers = [
  ['node', 'receiver.mjs'],
  ['node', 'receiver-standardwebhooks.mjs'],
  ['python3', 'receiver.py'],
] as const

describe('docs/webhooks.md receivers', () => {
  it.each(receivers)('%s examples/webhooks/%s is shown verbatim in docs/webhooks.md', (_, file) => {
    const source = readFileSync(join(ROOT, 'examples', 'webhooks', file), 'utf8').trim()
    expect(docs).toContain(source)
  })

  it.each(receivers)(
    '%s examples/webhooks/%s accepts a signed delivery and refuses a forged one',
    async (command, file) => {
      if (command === 'python3' && !hasPython) return
      const store = memoryStore()
      const warden = createKeywarden({ store, prefix: 'docs' })
      const webhooks = createWebhooks({ store, events: warden.events, secret: SECRET, allowPrivate: true })
      try {
        // The endpoint is made first (its secret goes to the receiver), then pointed at the receiver.
        const { endpoint, secret } = await webhooks.create({
          url: 'http://127.0.0.1:9/',
          events: ['key.created'],
        })
        const receiver = await startExample(command, file, secret)
        await webhooks.update(endpoint.id, { url: `${receiver.url}/hooks` })
        const { record } = await warden.keys.create({ name: 'from the docs' })
        await until(
          () => receiver.out().includes('key.created'),
          () => webhooks.runOnce(),
          1000,
        )
        const line = JSON.parse(receiver.out().trim().split('\n').at(-1) as string)
        expect(line).toMatchObject({
          type: 'key.created',
          data: { key: { id: record.id, name: 'from the docs' } },
        })
        const [attempt] = (await webhooks.deliveries(endpoint.id)).items
        expect(attempt).toMatchObject({ ok: true, responseStatus: 204 })
        const forged = await fetch(`${receiver.url}/hooks`, {
          method: 'POST',
          headers: {
            'webhook-id': 'evt_forged',
            'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
            'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
          },
          body: '{"type":"key.created","timestamp":"2026-12-01T00:00:00.000Z","data":{}}',
        })
        expect(forged.status).toBe(400)
      } finally {
        await webhooks.close()
      }
    },
  )
})
