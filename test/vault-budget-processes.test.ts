/** Provider-key budgets stay exact when two processes record usage on one key (PostgreSQL and MariaDB). */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { createVault } from '../packages/keywarden/src/vault/index.js'
import { freshPlace, type Place } from './sql-procs/engines.js'
import { serviceSkip } from './support/services.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./vault-procs/child.ts', import.meta.url))
const USER_KEY = 'sk-proj-BudgetAbCdEf0123456789AbCdEf012'

for (const engine of ['postgres', 'mysql'] as const) {
  const skip = await serviceSkip(engine)
  if (skip) console.warn(`[keywarden] skipping vault budget processes on ${engine}: ${skip}`)
  const places: Place[] = []
  afterAll(async () => {
    for (const place of places) await place.cleanup()
  })

  describe.skipIf(skip)(`budgets across two processes on ${engine}`, () => {
    it('counts 10,000 recorded costs from two processes exactly and enforces the budget on the sum', async () => {
      const place = freshPlace(engine, 'kwvault')
      places.push(place)
      const secret = randomBytes(32).toString('base64')
      const store = sqlStore({ url: place.url }, place.options)
      const vault = createVault({ secret, store, providers: { openai: { fallback: [] } } })
      try {
        const alice = vault.for({ userId: 'alice' })
        await alice.set('openai', USER_KEY, { monthlyBudgetMicros: 1_000_000_000 })
        const resolved = await alice.resolve('openai')
        if (resolved.apiKey === null) throw new Error('the key did not resolve')
        const spawn = (offset: number) =>
          run(
            process.execPath,
            [
              '--import',
              'tsx',
              child,
              place.url,
              JSON.stringify(place.options),
              secret,
              resolved.ref,
              '5000',
              String(offset),
            ],
            { timeout: 120_000 },
          ).then(({ stdout }) => JSON.parse(stdout) as { costMicros: number; requests: number })
        const [a, b] = await Promise.all([spawn(0), spawn(31)])
        const expected = a.costMicros + b.costMicros
        const usage = await vault.usageThisMonth(resolved.ref)
        expect(usage).toMatchObject({ requests: 10_000, costMicros: expected })

        await alice.set('openai', USER_KEY, { monthlyBudgetMicros: expected + 1 })
        expect(await alice.resolve('openai')).toMatchObject({ source: 'user' })
        await alice.set('openai', USER_KEY, { monthlyBudgetMicros: expected })
        expect(await alice.resolve('openai')).toEqual({ apiKey: null, reason: 'BUDGET_EXCEEDED' })
      } finally {
        await vault.close()
        await store.close()
      }
    }, 180_000)
  })
}
