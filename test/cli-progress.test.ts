import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../packages/server/src/cli/io.js'
import { createProgress } from '../packages/server/src/cli/progress.js'

function io(tty: boolean) {
  let stderr = ''
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 100 })
  stream.on('data', (d) => {
    stderr += d
  })
  const value: CliIo = {
    env: {},
    stdout: {
      write: () => {
        throw new Error('progress must never write to stdout')
      },
    },
    stderr: tty ? stream : { write: (s: string) => (stderr += s) },
    stdin: new PassThrough(),
  }
  return { value, text: () => stderr }
}

describe('progress reporting', () => {
  it('draws a cli-progress bar on a TTY stderr', () => {
    const { value, text } = io(true)
    const progress = createProgress(value, 'vault rotate')
    progress.update(0, 200)
    progress.update(100, 200, 'rotated 100')
    progress.update(200, 200, 'rotated 200')
    progress.stop()
    expect(text()).toMatch(/vault rotate \[[█░]+\] 100% \| 200\/200 rotated 200/)
  })

  it('writes one plain line per tenth off a TTY, and the final count', () => {
    const { value, text } = io(false)
    const progress = createProgress(value, 'import litestar')
    for (let done = 0; done <= 1000; done += 50) progress.update(done, 1000)
    progress.update(1000, 1000)
    progress.stop()
    const lines = text().trim().split('\n')
    expect(lines).toEqual(Array.from({ length: 11 }, (_, i) => `import litestar: ${i * 100}/1000`))
  })
})
