import cliProgress from 'cli-progress'
import type { CliIo } from './io.js'

export interface ProgressReporter {
  update(done: number, total: number, detail?: string): void
  stop(): void
}

/**
 * On a TTY a cli-progress bar on stderr; otherwise plain lines (`label: done/total`) at most every
 * 10 % and at the end, so logs stay readable. Never on stdout: --json output stays clean.
 */
export function createProgress(io: CliIo, label: string): ProgressReporter {
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.stderr as NodeJS.WritableStream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} {detail}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    return {
      update(done, total, detail = '') {
        if (!started) {
          bar.start(Math.max(total, done), done, { detail })
          started = true
        } else {
          bar.setTotal(Math.max(total, done))
          bar.update(done, { detail })
        }
      },
      stop: () => {
        if (started) bar.stop()
      },
    }
  }
  let lastStep = -1
  let lastLine = ''
  return {
    update(done, total, detail = '') {
      const step = total > 0 ? Math.floor((done / total) * 10) : 0
      const line = `${label}: ${done}/${total}${detail ? ` ${detail}` : ''}`
      if (step !== lastStep || (done >= total && line !== lastLine)) {
        io.stderr.write(`${line}\n`)
        lastStep = step
        lastLine = line
      }
    },
    stop() {},
  }
}
