import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { listAll } from '../packages/keywarden/src/testing/audit-list.js'
import { freshPlace, type Place } from './sql-procs/engines.js'
import { serviceSkip, uniqueName } from './support/services.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./audit-procs/child.ts', import.meta.url))
const PER_PROCESS = 150

async function append(
  place: Place,
  ownerId: string,
  startAt: number,
): Promise<{ ids: string[]; failures: string[] }> {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=keywarden-source',
      '--import',
      'tsx',
      child,
      place.url,
      JSON.stringify(place.options),
      ownerId,
      String(PER_PROCESS),
      String(startAt),
    ],
    { timeout: 60_000 },
  )
  return JSON.parse(stdout)
}

for (const engine of ['sqlite-file', 'postgres'] as const) {
  const skip = engine === 'postgres' ? await serviceSkip('postgres') : false
  const place = freshPlace(engine, 'kwauditproc')

  describe.skipIf(skip)(`the audit log across processes: ${engine}`, () => {
    afterAll(() => place.cleanup())

    it('keeps every entry two processes append at once, ids unique, newest first', async () => {
      const ownerId = uniqueName('owner')
      // Migrate first, so the processes race on the appends rather than on the schema.
      const store = sqlStore({ url: place.url }, place.options)
      try {
        expect((await store.listAudit({ limit: 1 })).items).toEqual([])
        const startAt = Date.now() + 1500
        const results = await Promise.all([append(place, ownerId, startAt), append(place, ownerId, startAt)])
        for (const result of results) expect(result.failures).toEqual([])
        const appended = results.flatMap((r) => r.ids)
        expect(new Set(appended).size).toBe(2 * PER_PROCESS)
        const listed = await listAll(store, { ownerId }, 45)
        expect(listed.map((e) => e.id).sort()).toEqual(appended.sort())
        const times = listed.map((e) => e.at.getTime())
        expect(times).toEqual([...times].sort((a, b) => b - a))
        expect(new Set(listed.map((e) => e.actor.id)).size).toBe(2)
      } finally {
        await store.close()
      }
    })
  })
}
