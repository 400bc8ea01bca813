import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { createWebhooks } from '../packages/keywarden/src/webhooks/index.js'
import { cliInProcess } from './cli-harness.js'
import { TEST_SECRET } from './server-helpers.js'
import { startReceiver, until } from './webhooks-helpers.js'

const cwd = mkdtempSync(join(tmpdir(), 'kw-cli-webhooks-'))
const url = `sqlite:${join(cwd, 'keys.db')}`
const env = {
  KEYWARDEN_DATABASE_URL: url,
  KEYWARDEN_SECRET: TEST_SECRET,
  KEYWARDEN_WEBHOOKS_ALLOW_PRIVATE: '1',
}
const run = (args: string[], extra: Record<string, string | undefined> = {}) =>
  cliInProcess(args, { ...env, ...extra })

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('keywarden webhooks', () => {
  it('adds, lists, logs, redelivers and removes endpoints; key changes from the CLI reach the outbox', async () => {
    let secret: string | null = null
    const receiver = await startReceiver(() => secret, [500])
    const store = sqlStore({ url })
    try {
      const added = await run(['webhooks', 'add', '--url', receiver.url, '--events', 'key.created', '--json'])
      expect(added.code).toBe(0)
      const endpoint = added.json() as { id: string; secret: string }
      secret = endpoint.secret
      expect(secret).toMatch(/^whsec_/)
      const listed = await run(['webhooks', 'list', '--json'])
      expect(listed.json().items.map((w: { id: string }) => w.id)).toEqual([endpoint.id])
      expect(listed.stdout).not.toContain(secret)
      expect((await run(['webhooks', 'list'])).stdout).toContain(receiver.url)

      expect((await run(['keys', 'create', '--name', 'from the cli'])).code).toBe(0)
      // A server's worker: the same store and secret.
      const worker = createWebhooks({ store, secret: TEST_SECRET, allowPrivate: true, retryScheduleMs: [1] })
      await until(
        () => receiver.received.length >= 2,
        () => worker.runOnce(),
      )
      expect(receiver.received.map((r) => [r.payload.type, r.valid])).toEqual([
        ['key.created', true],
        ['key.created', true],
      ])
      const log = await run(['webhooks', 'deliveries', endpoint.id, '--json'])
      const items = log.json().items as Array<{ attempt: number; responseStatus: number; deliveryId: string }>
      expect(items.map((a) => [a.attempt, a.responseStatus])).toEqual([
        [2, 200],
        [1, 500],
      ])
      expect((await run(['webhooks', 'deliveries', endpoint.id])).stdout).toMatch(/key\.created\s+2\s+200/)
      const again = await run(['webhooks', 'redeliver', items[0]?.deliveryId as string, '--json'])
      expect(again.json()).toMatchObject({ status: 'pending' })
      await until(
        () => receiver.received.length >= 3,
        () => worker.runOnce(),
      )
      expect((await run(['webhooks', 'rm', endpoint.id])).code).toBe(0)
      expect((await run(['webhooks', 'list', '--json'])).json().items).toEqual([])
      expect((await run(['webhooks', 'rm', endpoint.id])).code).toBe(1)
      await worker.close()
    } finally {
      await store.close()
      await receiver.close()
    }
  })

  it('refuses a private URL without KEYWARDEN_WEBHOOKS_ALLOW_PRIVATE, and needs the secret', async () => {
    const refused = await run(
      ['webhooks', 'add', '--url', 'http://127.0.0.1:9/', '--events', 'key.created'],
      {
        KEYWARDEN_WEBHOOKS_ALLOW_PRIVATE: undefined,
      },
    )
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/url .*private/)
    const noSecret = await run(['webhooks', 'list'], { KEYWARDEN_SECRET: undefined })
    expect(noSecret.code).toBe(1)
    expect(noSecret.stderr).toMatch(/KEYWARDEN_SECRET/)
  })
})
