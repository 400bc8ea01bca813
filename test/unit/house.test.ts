import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

// The shape of the house (DESIGN.md, Layout): small rooms, arrows pointing inward.
const root = join(import.meta.dirname, '..', '..')
const MAX_LINES = 300

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

const library = join(root, 'packages', 'keywarden', 'src')
const server = join(root, 'packages', 'server', 'src')
const files = [...sources(library), ...sources(server)]
const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((m) => m[1] as string)

describe('the house', () => {
  it(`has no source file over ${MAX_LINES} lines in either package`, () => {
    const big = files
      .map((file) => ({ file: relative(root, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
    expect(big).toEqual([])
  })

  it('has no import from stores/ into vault/ or back', () => {
    const crossing = files
      .filter((file) => /[/\\](stores|vault)[/\\]/.test(relative(library, file)))
      .flatMap((file) => {
        const from = relative(library, file).split(/[/\\]/)[0]
        const other = from === 'stores' ? 'vault' : 'stores'
        return importsOf(file)
          .filter((spec) => spec.startsWith('.') && new RegExp(`(^|/)${other}(/|$)`).test(spec))
          .map((spec) => `${relative(root, file)} -> ${spec}`)
      })
    expect(crossing).toEqual([])
  })

  it('lets the server reach the library only through its public names', () => {
    const reaching = sources(server).flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.includes('keywarden/src') || /^\.\.\/\.\.\/\.\.\//.test(spec))
        .map((spec) => `${relative(root, file)} -> ${spec}`),
    )
    expect(reaching).toEqual([])
  })
})
