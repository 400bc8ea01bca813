// A separate process recording provider-key usage for the vault's budget test:
//   node --import tsx test/vault-procs/child.ts <url> <optionsJson> <secret> <ref> <count> <offset>
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'
import { createVault } from '../../packages/keywarden/src/vault/index.js'

const [url, optionsJson, secret, ref, count, offset] = process.argv.slice(2)
const store = sqlStore({ url: url as string }, JSON.parse(optionsJson as string))
// A short flush interval, so the timer's flushes interleave with the other process's.
const vault = createVault({ secret, store, usage: { flushIntervalMs: 20 } })

try {
  let costMicros = 0
  const n = Number(count)
  for (let i = 0; i < n; i++) {
    const cost = ((Number(offset) + i) % 97) + 1
    costMicros += cost
    vault.recordUsage(ref as string, { requests: 1, costMicros: cost })
    // Yield now and then so timer flushes run while recording goes on.
    if (i % 250 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await vault.close()
  process.stdout.write(JSON.stringify({ costMicros, requests: n }))
} catch (error) {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  process.exitCode = 1
} finally {
  await store.close()
}
