import { describe, expect, it } from 'vitest'
import { cliInProcess } from './cli-harness.js'

const COMMANDS = [
  ['serve'],
  ['migrate'],
  ['keys'],
  ['keys', 'create'],
  ['keys', 'list'],
  ['keys', 'show'],
  ['keys', 'revoke'],
  ['keys', 'roll'],
  ['keys', 'delete'],
  ['keys', 'verify'],
  ['vault'],
  ['vault', 'rotate'],
  ['import'],
  ['import', 'litestar'],
  ['import', 'cjm-byok'],
  ['doctor'],
]

describe('keywarden --help', () => {
  it('documents environment and exit codes at the top level', async () => {
    const help = await cliInProcess(['--help'])
    expect(help.code).toBe(0)
    for (const text of [
      'serve',
      'migrate',
      'keys',
      'vault',
      'import',
      'doctor',
      'KEYWARDEN_DATABASE_URL',
      'Exit codes:',
      '2  usage',
    ]) {
      expect(help.stdout).toContain(text)
    }
  })

  it.each(COMMANDS)('%s %s: exit 0 with a description and every option described', async (...path) => {
    const words = path.filter((w): w is string => typeof w === 'string')
    const help = await cliInProcess([...words, '--help'])
    expect(help.code).toBe(0)
    expect(help.stderr).toBe('')
    expect(help.stdout).toMatch(new RegExp(`^Usage: keywarden ${words.join(' ')}`))
    const lines = help.stdout.split('\n')
    // the line after Usage is the description
    expect(lines[2]?.trim().length).toBeGreaterThan(10)
    // every option line carries a description after the flags
    for (const line of lines.filter((l) => /^ {2}-/.test(l))) expect(line).toMatch(/^ {2}-\S.*\S {2,}\S/)
    // every command that prints data takes --json (serve prints none; groups have subcommands)
    const leaf = words.length > 1 || ['migrate', 'doctor'].includes(words[0] as string)
    expect(help.stdout.includes('--json')).toBe(leaf)
  })

  it('keeps every leaf command reachable as `keywarden help <command>`', async () => {
    const help = await cliInProcess(['help', 'keys'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/verify \[options\] \[key\]/)
  })
})
