#!/usr/bin/env node
import { run } from './run.js'

const { exitCode, keepAlive } = await run(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
})
process.exitCode = exitCode
// `serve` keeps running; other commands have closed their stores, and a lingering handle
// (a pool's idle timer, a stdin listener) must not hold the terminal.
if (!keepAlive) process.stdout.write('', () => process.exit(exitCode))
