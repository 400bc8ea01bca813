import { afterAll, expect } from 'vitest'
import type { KeyStore } from '../../../packages/keywarden/src/index.js'
import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'
import { describeKeyStore } from '../../../packages/keywarden/src/testing/index.js'

type Task = {
  name: string
  type: string
  mode: string
  tasks?: Task[]
  result?: { state?: string; note?: string }
}

/** A memory store as a third party might write it: only the required KeyStore methods. */
function requiredMethodsOnly(): KeyStore {
  const { consumeKey, rollKey, peekKeyByHash, ...rest } = memoryStore()
  return rest
}

describeKeyStore('memory without consumeKey or rollKey', requiredMethodsOnly)

// The kit runs what the store implements and says what it skipped, and why: checked on the results.
// biome-ignore lint/correctness/noEmptyPattern: vitest passes the suite second and insists the first argument be a pattern
afterAll(({}, file) => {
  const tests: { path: string; state?: string; note?: string }[] = []
  const walk = (task: Task, path: string) => {
    if (task.type === 'test') tests.push({ path, state: task.result?.state, note: task.result?.note })
    for (const child of task.tasks ?? []) walk(child, `${path} > ${child.name}`)
  }
  walk(file as unknown as Task, '')
  const inGroup = (group: string) => tests.filter((t) => t.path.includes(`> ${group} >`))
  const counters = inGroup('counters (consumeKey)')
  const roll = inGroup('roll (rollKey)')
  const shared = inGroup('roll with shared limits (rollKey and consumeKey)')
  expect(counters.length).toBeGreaterThanOrEqual(5)
  expect(roll.length).toBeGreaterThanOrEqual(2)
  expect(shared.length).toBeGreaterThanOrEqual(4)
  for (const t of counters)
    expect(t).toMatchObject({ state: 'skip', note: 'the store does not implement consumeKey' })
  for (const t of roll)
    expect(t).toMatchObject({ state: 'skip', note: 'the store does not implement rollKey' })
  for (const t of shared)
    expect(t).toMatchObject({ state: 'skip', note: 'the store does not implement rollKey or consumeKey' })
  const rest = tests.filter((t) => !counters.includes(t) && !roll.includes(t) && !shared.includes(t))
  expect(rest.length).toBeGreaterThanOrEqual(14)
  expect(rest.filter((t) => t.state !== 'pass')).toEqual([])
})
