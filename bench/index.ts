// npm run bench: runs every bench/*.bench.ts in name order (or only those named on the command line).
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { summary } from './harness.js'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
  .sort()

console.log(`keywarden bench — node ${process.version}, ${new Date().toISOString()}`)
for (const file of files) {
  console.log(`\n# ${file}`)
  try {
    await import(pathToFileURL(`${dir}/${file}`).href)
  } catch (error) {
    console.log(`skipped ${file}: ${(error as Error).message}`)
  }
}
const results = summary()
const over = results.filter((r) => !r.ok)
console.log('\nsummary (ratio of time per op to its floor; for req/s budgets the inverse is shown as >=)')
for (const r of results) {
  const measured = r.throughput
    ? `${(1 / r.ratio).toFixed(3)} (budget >= ${(1 / r.maxRatio).toFixed(2)})`
    : `${r.ratio.toFixed(3)} (budget <= ${r.maxRatio})`
  console.log(`${r.ok ? 'ok  ' : 'OVER'} ${r.name}: ${measured}`)
}
console.log(`\n${results.length - over.length} within budget, ${over.length} over budget`)
