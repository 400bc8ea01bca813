/** `npm start [-- --port 3007 …]`: the reference server from the environment and the flags of `keywarden serve`. */
import { describeError } from 'keywarden'
import { parseServerArgs } from './config.js'
import { loadServerConfig, type RunningServer, startServer } from './index.js'

let server: RunningServer | undefined
let stopSignal: string | undefined

async function stop(signal: string): Promise<void> {
  if (stopSignal) return
  stopSignal = signal
  // During startup there is nothing to close yet; startup finishes and then sees stopSignal.
  if (!server) return
  process.stderr.write(`keywarden: ${signal} received; flushing last-used times and closing stores\n`)
  try {
    await server.close()
    process.exit(0)
  } catch (error) {
    process.stderr.write(`keywarden: shutdown failed: ${describeError(error)}\n`)
    process.exit(1)
  }
}

// Installed before anything is announced: a signal sent right after the "serving" line is handled.
process.once('SIGTERM', () => void stop('SIGTERM'))
process.once('SIGINT', () => void stop('SIGINT'))

try {
  const config = loadServerConfig(process.env, parseServerArgs(process.argv.slice(2)))
  server = await startServer(config)
  if (stopSignal) {
    const signal = stopSignal
    stopSignal = undefined
    await stop(signal)
  } else {
    process.stderr.write(`keywarden: serving the dashboard at ${server.url}/ (API under /api, /healthz)\n`)
  }
} catch (error) {
  process.stderr.write(`keywarden: cannot start: ${describeError(error)}\n`)
  process.exit(1)
}
