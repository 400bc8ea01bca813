// One instance of the expiry scan for the multi-process test:
//   node --import tsx test/notices-procs/child.ts <url> <optionsJson> <nowIso>
// Prints the notices this process emitted as JSON.
import { createKeywarden, type KeywardenEvent } from '../../packages/keywarden/src/index.js'
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'

const [url, optionsJson, nowIso] = process.argv.slice(2)
const now = new Date(nowIso as string)
const store = sqlStore({ url: url as string }, JSON.parse(optionsJson as string))
const warden = createKeywarden({ store, prefix: 'proc', lastUsed: false, now: () => now })
const seen: KeywardenEvent[] = []
warden.events.subscribe((event) => {
  seen.push(event)
})

try {
  await warden.notices.scan()
  process.stdout.write(
    JSON.stringify(
      seen.map((e) => ({ type: e.type, id: e.target.id, days: e.detail?.days ?? null, data: e.data })),
    ),
  )
  await warden.close()
} catch (error) {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  process.exitCode = 1
  await warden.close().catch(() => {})
}
