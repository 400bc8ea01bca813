import type { Command } from 'commander'
import { type CliConfig, type CliFlags, loadCliConfig } from './config.js'
import { type CliContext, createCliContext } from './context.js'
import { type CliIo, toJson } from './io.js'

/** State shared by the running command: output mode, exit code, and what to close at the end. */
export interface Runtime {
  io: CliIo
  json: boolean
  exitCode: number
  /** Set by `serve`: the process keeps running after the action returns. */
  keepAlive: boolean
  openContexts: CliContext[]
}

export interface ActionInput {
  rt: Runtime
  opts: Record<string, any>
  command: Command
  args: string[]
  config(): CliConfig
  context(): CliContext
  /** Data on stdout: JSON with --json, else the human text. */
  print(value: unknown, human: () => string): void
  /** Notes for people, on stderr (never data, never a secret). */
  note(text: string): void
}

export type Action = (input: ActionInput) => Promise<number | undefined>

export function createRuntime(io: CliIo): Runtime {
  return { io, json: false, exitCode: 0, keepAlive: false, openContexts: [] }
}

function flagsOf(opts: Record<string, any>): CliFlags {
  const flags: CliFlags = {}
  if (typeof opts.databaseUrl === 'string') flags.databaseUrl = opts.databaseUrl
  if (typeof opts.redisUrl === 'string') flags.redisUrl = opts.redisUrl
  if (typeof opts.prefix === 'string') flags.prefix = opts.prefix
  if (typeof opts.tablePrefix === 'string') flags.tablePrefix = opts.tablePrefix
  if (typeof opts.keyring === 'string') flags.keyring = opts.keyring
  if (opts.acceptLegacy === true) flags.acceptLegacy = true
  return flags
}

/** Wraps a command's work: options, lazy config and context, output helpers, exit code. */
export function action(rt: Runtime, work: Action): (...args: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    const command = raw.at(-1) as Command
    const opts = command.opts()
    rt.json = opts.json === true
    let config: CliConfig | null = null
    let context: CliContext | null = null
    const input: ActionInput = {
      rt,
      opts,
      command,
      args: raw.slice(0, -2) as string[],
      config: () => {
        if (!config) {
          config = loadCliConfig(rt.io.env, flagsOf(opts))
          for (const warning of config.warnings) rt.io.stderr.write(`keywarden: warning: ${warning}\n`)
        }
        return config
      },
      context: () => {
        if (!context) {
          context = createCliContext(input.config())
          rt.openContexts.push(context)
        }
        return context
      },
      print(value, human) {
        rt.io.stdout.write(rt.json ? toJson(value) : human())
      },
      note(text) {
        rt.io.stderr.write(`${text}\n`)
      },
    }
    rt.exitCode = (await work(input)) ?? 0
  }
}
