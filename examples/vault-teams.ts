import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { memoryStore } from 'keywarden/stores/memory'
import { createVault } from 'keywarden/vault'

/** Teams, fallback, a key check and a budget, end to end on the memory store. */
export async function teamsDemo() {
  // A stand-in for api.openai.com: accepts one key on GET /v1/models.
  const provider = createServer((req, res) => {
    const ok = req.headers.authorization === 'Bearer sk-proj-TeamKey0123456789AbCdEf0123'
    res.writeHead(ok ? 200 : 401).end()
  })
  await new Promise<void>((done) => provider.listen(0, '127.0.0.1', done))
  const baseUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`

  const vault = createVault({
    secret: randomBytes(32).toString('base64'), // use process.env.KEYWARDEN_SECRET
    store: memoryStore(),
    providers: {
      openai: {
        baseUrl,
        platformKey: 'sk-proj-Platform0123456789AbCdEf0123', // the app's own key, last resort
        fallback: ['team', 'platform'], // [] = only the user's own key
      },
    },
  })

  // Test a key before saving it: { ok, status, detail }, never throws for a bad key.
  const check = await vault.check('openai', 'sk-proj-TeamKey0123456789AbCdEf0123', { timeoutMs: 3000 })

  // A team key with a monthly budget of $5 (micros: 1 USD = 1,000,000).
  await vault.for({ teamId: 'acme' }).set('openai', 'sk-proj-TeamKey0123456789AbCdEf0123', {
    monthlyBudgetMicros: 5_000_000,
  })

  // Alice has no key of her own: the team's key, then the platform's.
  const alice = vault.for({ userId: 'alice', teamIds: ['acme'] })
  const first = await alice.resolve('openai') // { apiKey, source: 'team', ref: 'team:acme/openai@…', teamId }
  if (first.apiKey === null) throw new Error(first.reason)
  // …call the provider with first.apiKey, then count what it cost against the key it used:
  vault.recordUsage(first.ref, { requests: 1, inputTokens: 1200, outputTokens: 300, costMicros: 5_000_000 })

  const second = await alice.resolve('openai') // the team key is over budget: source 'platform'
  const usage = await vault.usageThisMonth(first.ref) // { requests, …, costMicros, monthlyBudgetMicros }

  await vault.close()
  provider.close()
  return {
    check,
    first: { source: first.source, ref: first.ref },
    second: second.apiKey === null ? second : { source: second.source },
    usage,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await teamsDemo())
