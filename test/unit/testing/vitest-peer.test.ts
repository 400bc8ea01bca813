import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const TSX = pathToFileURL(require.resolve('tsx')).href
const HIDE = fileURLToPath(new URL('../../support/hide-packages.mjs', import.meta.url))
const TESTING = pathToFileURL(
  fileURLToPath(new URL('../../../packages/keywarden/src/testing/index.ts', import.meta.url)),
).href

/** Imports keywarden/testing in a fresh node with `hidden` packages unresolvable; prints what happened. */
async function importTesting(hidden: string) {
  const script = `try {
  const kit = await import(${JSON.stringify(TESTING)})
  console.log('ok: ' + Object.keys(kit).sort().join(','))
} catch (e) { console.log(e.name + ': ' + e.message) }`
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', TSX, '--import', HIDE, '--input-type=module', '-e', script],
    { env: { ...process.env, HIDE_PACKAGES: hidden }, encoding: 'utf8' },
  )
  return stdout.trim()
}

describe('keywarden/testing and its optional vitest peer', () => {
  it('without vitest installed, importing it fails with a ConfigError naming vitest and how to install it', async () => {
    expect(await importTesting('vitest')).toBe(
      'ConfigError: keywarden/testing (describeKeyStore, describeSecretStore) needs the "vitest" package; install it: npm install vitest',
    )
  })

  it('with vitest, it loads every name (the hiding hook hides nothing else)', async () => {
    expect(await importTesting('not-a-package')).toBe(
      'ok: countingStore,describeAuditStore,describeKeyStore,describeSecretStore,expectSameKey,makeAuditEntry,makeSecretRecord,makeStoredKey,uniqueOwner',
    )
  })
})
