import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from 'keywarden'
import { SETTINGS, type SettingName, type SettingSpec, type Settings } from './table.js'
import { settingWarnings } from './unknown.js'

/** Flag values by setting name; `keyring` is the path of a file holding the keyring JSON. */
export type SettingFlags = Partial<Record<SettingName, string | number | boolean>>

export interface ReadSettings extends Settings {
  /** Misspelled or unknown variables, with the closest valid name: print them, do not fail. */
  warnings: string[]
}

function present(text: string | undefined, verbatim: boolean): string | undefined {
  if (text === undefined || text.trim() === '') return undefined
  return verbatim ? text : text.trim()
}

function fromFlag(name: SettingName, value: string | number | boolean): string {
  if (name !== 'keyring') return String(value)
  try {
    return readFileSync(String(value), 'utf8')
  } catch (cause) {
    throw new ConfigError(`cannot read the keyring file ${String(value)}; check the path`, { cause })
  }
}

/**
 * Every setting from flags and the environment, flags winning, each checked once by its rule in
 * SETTINGS. Throws ConfigError naming the variable or flag to fix (never quoting a secret).
 */
export function readSettings(env: NodeJS.ProcessEnv, flags: SettingFlags = {}): ReadSettings {
  if (typeof env !== 'object' || env === null) {
    throw new ConfigError('the settings need the environment object (process.env)')
  }
  const values: Record<string, unknown> = {}
  for (const [name, s] of Object.entries(SETTINGS) as Array<[SettingName, SettingSpec<unknown>]>) {
    const flag = flags[name]
    let raw: string | undefined
    let source: string = s.env
    if (flag !== undefined && s.flag) {
      raw = fromFlag(name, flag)
      source = name === 'keyring' ? `the keyring file ${String(flag)}` : s.flag
    } else {
      raw = present(env[s.env], s.verbatim === true)
    }
    values[name] = raw === undefined ? s.fallback : s.check ? s.check(raw, source) : raw
  }
  const settings = values as Settings
  return { ...settings, secretFile: resolve(settings.secretFile), warnings: settingWarnings(env) }
}
