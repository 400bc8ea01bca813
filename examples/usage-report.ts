// Usage counting: verify a few times, then read the counts per minute, per owner and keyless.
// Run: node --conditions=keywarden-source --import tsx examples/usage-report.ts
import { createKeywarden } from 'keywarden'
import { memoryStore } from 'keywarden/stores/memory'

export async function usageReport() {
  const warden = createKeywarden({ store: memoryStore(), prefix: 'demo', usage: { retentionDays: 30 } })
  const { key, record } = await warden.keys.create({
    name: 'reports',
    ownerId: 'team_1',
    scopes: ['reports:read'],
  })

  await warden.keys.verify(key, { cost: 3 }) // valid, 3 credits spent
  await warden.keys.verify(key, { scopes: ['reports:write'] }) // INSUFFICIENT_SCOPES
  await warden.keys.verify('not-a-key') // MALFORMED: counted in the keyless series

  const to = Date.now() + 60_000
  const from = to - 3_600_000
  const perKey = await warden.usage.query({ keyId: record.id, from, to, granularity: 'hour' })
  const perOwner = await warden.usage.query({ ownerId: 'team_1', from, to, granularity: 'day' })
  const keyless = await warden.usage.query({ keyless: true, from, to, granularity: 'day' })
  await warden.close()
  return { perKey: perKey.buckets, perOwner: perOwner.buckets, keyless: keyless.buckets }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await usageReport(), null, 2))
