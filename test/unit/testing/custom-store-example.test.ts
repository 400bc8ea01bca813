import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { mapStore } from '../../../examples/custom-store.js'
import { createKeywarden } from '../../../packages/keywarden/src/index.js'
import { describeKeyStore } from '../../../packages/keywarden/src/testing/index.js'

// docs/stores.md shows this example as the way to write a store: it must pass the same kit.
describeKeyStore('the docs example (examples/custom-store.ts)', mapStore)

describe('the custom store example of docs/stores.md', () => {
  it('is shown verbatim in docs/stores.md', () => {
    const docs = readFileSync(new URL('../../../docs/stores.md', import.meta.url), 'utf8')
    const source = readFileSync(new URL('../../../examples/custom-store.ts', import.meta.url), 'utf8')
    expect(docs).toContain(`\`\`\`ts\n${source}\`\`\``)
  })

  it('backs a warden whose keys carry credits and rate limits', async () => {
    const warden = createKeywarden({ store: mapStore(), prefix: 'acme', lastUsed: false })
    const { key } = await warden.keys.create({
      name: 'ci',
      remaining: 2,
      rateLimits: [{ name: 'burst', limit: 5, windowMs: 60_000 }],
    })
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: 1 })
    expect(await warden.keys.verify(key)).toMatchObject({ valid: true, remaining: 0 })
    expect(await warden.keys.verify(key)).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED' })
    // Without rollKey the engine rolls by create + update: the new key starts with the old balance.
    const rolled = await warden.keys.roll((await warden.keys.list()).items[0]?.id as string)
    expect(await warden.keys.verify(rolled.key)).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED' })
    await warden.keys.update(rolled.record.id, { remaining: 1 })
    expect(await warden.keys.verify(rolled.key)).toMatchObject({ valid: true, remaining: 0 })
    await warden.close()
  })
})
