// A separate process for the SQL store's multi-process tests:
//   node --import tsx test/sql-procs/child.ts <migrate|create|verify> <url> <optionsJson> [startAt|key]
import { createKeywarden } from '../../packages/keywarden/src/index.js'
import { sqlStore } from '../../packages/keywarden/src/stores/sql/index.js'

const [mode, url, optionsJson, extra] = process.argv.slice(2)
const store = sqlStore({ url: url as string }, JSON.parse(optionsJson as string))
const warden = createKeywarden({ store, prefix: 'proc', lastUsed: false })

async function main(): Promise<unknown> {
  if (mode === 'migrate') {
    // Both racers wait for the same instant, so they hit the empty database together.
    const startAt = Number(extra)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())))
    return { found: await store.getKeyById('key_none') }
  }
  if (mode === 'create') {
    const { key, record } = await warden.keys.create({ name: 'from another process 🔑', scopes: ['a:read'] })
    return { key, id: record.id }
  }
  if (mode === 'verify') {
    const result = await warden.keys.verify(extra, { scopes: ['a:read'] })
    return { valid: result.valid, id: result.key?.id, name: result.key?.name }
  }
  throw new Error(`unknown mode ${mode}`)
}

try {
  process.stdout.write(JSON.stringify(await main()))
  await warden.close()
} catch (error) {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`)
  process.exitCode = 1
  await warden.close().catch(() => {})
}
