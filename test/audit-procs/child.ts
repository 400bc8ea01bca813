// A separate process appending to one audit log (test/audit-processes.test.ts):
//   node --import tsx test/audit-procs/child.ts <url> <optionsJson> <ownerId> <count> <startAt>
import { createEventHub } from '../../packages/keywarden/src/index.js'
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'

const [url, optionsJson, ownerId, count, startAt] = process.argv.slice(2)
const store = sqlStore({ url: url as string }, JSON.parse(optionsJson as string))
const failures: string[] = []
const hub = createEventHub({ store, onError: (error) => failures.push(String(error)) })

try {
  // Both processes start appending at the same instant.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())))
  const ids = await Promise.all(
    Array.from({ length: Number(count) }, async (_, i) => {
      const event = await hub.emit({
        type: 'key.updated',
        actor: { type: 'cli', id: `pid-${process.pid}` },
        target: { type: 'key', id: `key_${process.pid}_${i}` },
        ownerId,
        fields: ['name'],
      })
      return event.id
    }),
  )
  process.stdout.write(JSON.stringify({ ids, failures }))
} catch (error) {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  process.exitCode = 1
} finally {
  await store.close()
}
