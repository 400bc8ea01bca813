/** The server's operator log: pino, JSON lines in production, one readable line each in development. */
import { type Logger, pino } from 'pino'
import type { LogLevel } from '../settings/checks.js'
import { SETTINGS } from '../settings/table.js'
import { textLine } from './text.js'

export type { Logger } from 'pino'

export interface LoggerOptions {
  /** Default `info`: refusals, changes and resolves; `debug` adds every other request. */
  level?: LogLevel
  /** JSON lines (NODE_ENV=production) instead of text. */
  json?: boolean
  /** Where each finished line goes (with its newline). Default: stderr; stdout carries the admin key. */
  write?: (line: string) => void
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = SETTINGS.logLevel.fallback, json = false } = options
  const write = options.write ?? ((line: string) => process.stderr.write(line))
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: json ? write : (line: string) => write(textLine(line)) },
  )
}
