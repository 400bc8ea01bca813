import { createKeywarden, findKeys, keyPattern, parseKey } from 'keywarden'
import { memoryStore } from 'keywarden/stores/memory'

/** Find keys in text, handle a leak, and watch the notices: what docs/leaks.md walks through. */
export async function leakDemo() {
  let now = new Date('2026-12-01T00:00:00Z')
  const warden = createKeywarden({ store: memoryStore(), prefix: 'myapp', now: () => now })
  const seen: string[] = []
  warden.events.subscribe((event) => {
    seen.push(`${event.type} ${event.detail?.days ?? ''}`.trim())
  })

  // 1. Scanning text: the RegExp finds the shape, the checksum drops look-alikes.
  const { key, record } = await warden.keys.create({
    name: 'ci',
    expiresAt: new Date('2026-12-10T00:00:00Z'),
  })
  const log = `deploy ok\nAPI_KEY=${key}\nmyapp_${'x'.repeat(49)}\n`
  const shaped = log.match(new RegExp(keyPattern('myapp'), 'g')) ?? []
  const found = findKeys(log, 'myapp') // = shaped.filter((k) => parseKey(k, 'myapp') !== null)
  console.log(shaped.length, found.length, parseKey(found[0], 'myapp') !== null) // 2 1 true

  // 2. Expiry notices: every instance may scan; each notice fires once.
  await warden.notices.scan() // 9 days left: nothing yet
  now = new Date('2026-12-04T00:00:00Z')
  await warden.notices.scan() // key.expiring, 7 days
  await warden.notices.scan() // nothing: already sent

  // 3. A leak: revoked at once, key.leaked in the audit log and to the webhooks.
  const label = await warden.keys.reportLeak(found[0], { source: 'pastebin' })
  const verified = await warden.keys.verify(key)
  console.log(label, verified.valid) // true_positive false
  console.log(seen) // ['key.created', 'key.expiring 7', 'key.leaked', 'key.revoked']
  await warden.close()
  return { shaped: shaped.length, found, label, valid: verified.valid, seen, id: record.id }
}

if (import.meta.url === `file://${process.argv[1]}`) await leakDemo()
