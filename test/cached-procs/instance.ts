// One keywarden instance for test/cached-processes.test.ts: postgres primary, Redis tier,
// pub/sub invalidation. Reads JSON commands from stdin, answers JSON lines on stdout.
// With a fifth argument (an entry of redisMajors) the tier and the bus get clients of that ioredis
// major; without it, the URL (the installed ioredis).
import { createInterface } from 'node:readline'
import { createKeywarden } from '../../packages/keywarden/src/keys/keywarden.js'
import { cachedStore } from '../../packages/keywarden/src/stores/cached.js'
import { redisStore } from '../../packages/keywarden/src/stores/redis.js'
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'
import { redisMajor } from '../support/services.js'

const [postgresUrl, sqlOptions, redisUrl, namespace, clientName] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
]
const client = clientName === undefined ? undefined : redisMajor(clientName).client(redisUrl)
const store = cachedStore({
  primary: sqlStore({ url: postgresUrl }, JSON.parse(sqlOptions)),
  cache: client ? redisStore({ client, namespace }) : redisStore({ url: redisUrl, namespace }),
  invalidation: { redis: client ?? redisUrl, channel: `${namespace}:invalidate` },
  ttlMs: 3_600_000,
})
const warden = createKeywarden({ store, prefix: 'proc', lastUsed: false })
const clock = () => performance.timeOrigin + performance.now()
const say = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`)

await store.ready()
say({ ready: true })

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { cmd: string; key?: string; id?: string }
  if (command.cmd === 'create') {
    const { key, record } = await warden.keys.create({ name: 'two-process' })
    say({ key, id: record.id })
  } else if (command.cmd === 'verify') {
    say(await warden.keys.verify(command.key))
  } else if (command.cmd === 'watch') {
    // Verify as fast as the event loop allows until the key stops verifying.
    say({ watching: true })
    let verifications = 0
    const giveUpAt = clock() + 5000
    for (;;) {
      if (clock() > giveUpAt) {
        say({ seenAt: clock(), code: 'STILL_VALID', verifications })
        break
      }
      const result = await warden.keys.verify(command.key)
      verifications++
      if (!result.valid) {
        say({ seenAt: clock(), code: result.code, verifications })
        break
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  } else if (command.cmd === 'revoke') {
    const startedAt = clock()
    await warden.keys.revoke(command.id as string)
    say({ startedAt, doneAt: clock() })
  } else if (command.cmd === 'exit') {
    break
  }
}
await warden.close()
await client?.quit()
process.exit(0)
