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
console.log(`\n${results.length - over.length} within budget, ${over.length} over budget`)
