import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

describe('the package', () => {
  it('builds dist/ with every export, and each subpath imports by its public name', () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' })
    const subpaths = Object.keys(pkg.exports).filter((p) => p !== './package.json')
    const names = subpaths.map((p) => (p === '.' ? 'keywarden' : `keywarden/${p.slice(2)}`))
    const script = `for (const name of ${JSON.stringify(names)}) { const m = await import(name); if (Object.keys(m).length === 0) throw new Error(name + ' exports nothing') } console.log('imported', ${names.length})`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(out).toContain(`imported ${names.length}`)
    const help = execFileSync(process.execPath, [join(root, pkg.bin.keywarden), '--help'], {
      encoding: 'utf8',
    })
    expect(help).toContain('serve')
  }, 180_000)

  it('fails the build when an export points at nothing', async () => {
    const { missingExports } = await import('../scripts/check-exports.mjs')
    const broken = { ...pkg, exports: { ...pkg.exports, './missing': { import: './dist/missing.js' } } }
    expect(missingExports(broken, root)).toEqual(['./missing -> ./dist/missing.js'])
    expect(missingExports({ exports: { '.': './nowhere.js' }, bin: { x: './no-bin.js' } }, root)).toEqual([
      '. -> ./nowhere.js',
      'bin -> ./no-bin.js',
    ])
  })

  it("runs README's quick start as a user would: imports by package name, against dist/", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const code = /```ts\n\/\/ quickstart\.mjs\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(code, 'README has a ```ts block starting with // quickstart.mjs').toBeTruthy()
    // Inside the package directory, so 'keywarden' resolves to this package's exports (dist/).
    const dir = join(root, 'test-artifacts')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'quickstart.mjs'), code as string)
    const out = execFileSync(process.execPath, [join(dir, 'quickstart.mjs')], { cwd: dir, encoding: 'utf8' })
    expect(out).toMatch(/show this key once: myapp_[0-9A-Za-z]{49}/)
    expect(out).toContain('valid: true')
    expect(out).toContain('MALFORMED')
    expect(out).toContain('REVOKED')
  })
})
