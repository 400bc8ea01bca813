import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServerProcess } from './server-process-helpers.js'

const root = join(import.meta.dirname, '..')
const library = join(root, 'packages', 'keywarden')
const libraryPkg = JSON.parse(readFileSync(join(library, 'package.json'), 'utf8'))
const work = mkdtempSync(join(tmpdir(), 'kw-pack-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } })

/** Builds and packs one workspace into `work`; returns the tarball's path. */
function pack(workspace: string): string {
  npm(['run', 'build', '-w', workspace], root)
  const [info] = JSON.parse(
    npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work, '-w', workspace], root),
  )
  return join(work, info.filename)
}

/** A new app folder, as `npm init` would leave it; npm 11 builds native addons only when allowed. */
function emptyApp(name: string): string {
  const dir = join(work, name)
  mkdirSync(dir)
  const pkg = { name, private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg))
  return dir
}

/** Imports each name in a fresh node process inside `dir`; one line per name: its export count or its error. */
function importEach(dir: string, names: string[]): string {
  const script = `const out = []
for (const name of ${JSON.stringify(names)}) {
  try { out.push(name + ': ' + Object.keys(await import(name)).length + ' exports') }
  catch (e) { out.push(name + ': ' + e.message) }
}
console.log(out.join('\\n'))`
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' })
}

function installedNames(dir: string): Set<string> {
  const tree = JSON.parse(npm(['ls', '--all', '--json'], dir))
  const names = new Set<string>()
  type Node = { version?: string; missing?: boolean; dependencies?: Record<string, Node> }
  const walk = (deps: Record<string, Node> = {}) => {
    for (const [name, node] of Object.entries(deps)) {
      if (node.version && !node.missing) names.add(name) // npm lists unmet optional peers too
      walk(node.dependencies)
    }
  }
  walk(tree.dependencies)
  return names
}

describe('the packages', () => {
  let libraryTarball = ''

  it('packs the library with every export, and each public name imports from the installed tarball', () => {
    libraryTarball = pack('keywarden')
    const app = emptyApp('lib-app')
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', libraryTarball], app)
    const installed = installedNames(app)
    for (const absent of ['commander', 'cli-progress', 'htmx.org', 'hono', 'better-sqlite3', 'kysely'])
      expect(installed.has(absent), `${absent} installed with keywarden alone`).toBe(false)
    // An optional peer that is missing is named, with the command that installs it.
    const withoutPeers = importEach(app, ['keywarden/stores/sql', 'keywarden/testing'])
    expect(withoutPeers).toContain('needs the "kysely" package; install it: npm install kysely')
    expect(withoutPeers).toContain('needs the "vitest" package; install it: npm install vitest')

    // README's quick start, as a new user runs it.
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const code = /```ts\n\/\/ quickstart\.mjs\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(code, 'README has a ```ts block starting with // quickstart.mjs').toBeTruthy()
    writeFileSync(join(app, 'quickstart.mjs'), code as string)
    const run = execFileSync(process.execPath, ['quickstart.mjs'], { cwd: app, encoding: 'utf8' })
    expect(run).toMatch(/show this key once: myapp_[0-9A-Za-z]{49}/)
    expect(run).toContain('valid: true')
    expect(run).toContain('MALFORMED')
    expect(run).toContain('REVOKED')

    // With the peers a user of each subpath installs, every public name of DESIGN.md resolves.
    npm(
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        'kysely@0.28',
        'hono',
        'express',
        'fastify',
        'vitest',
      ],
      app,
    )
    const names = Object.keys(libraryPkg.exports)
      .filter((p) => p !== './package.json')
      .map((p) => (p === '.' ? 'keywarden' : `keywarden/${p.slice(2)}`))
    const out = importEach(app, names)
    for (const name of names) expect(out).toMatch(new RegExp(`^${name}: [1-9]\\d* exports$`, 'm'))
  }, 240_000)

  it('`npx keywarden serve` from the packed server (with nothing else installed) serves /healthz and the dashboard', async () => {
    expect(libraryTarball, 'the library test packs first').not.toBe('')
    const serverTarball = pack('keywarden-server')
    const app = emptyApp('server-app')
    // The library is not on a registry yet: its tarball satisfies the server's dependency.
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', libraryTarball, serverTarball], app)
    const server = await startServerProcess(
      { PORT: '0', HOME: app, npm_config_cache: join(process.env.HOME ?? app, '.npm') },
      app,
      ['npx', '--no-install', 'keywarden', 'serve', '--port', '0'],
    )
    try {
      const health = await fetch(`${server.url}/healthz`)
      expect(health.status).toBe(200)
      const login = await fetch(`${server.url}/login`)
      expect(login.status).toBe(200)
      expect(await login.text()).toContain('<form')
    } finally {
      await server.stop()
    }
  }, 400_000)

  it('fails the build when an export points at nothing', async () => {
    const { missingExports } = await import('../scripts/check-exports.mjs')
    const broken = {
      ...libraryPkg,
      exports: { ...libraryPkg.exports, './missing': { import: './dist/missing.js' } },
    }
    expect(missingExports(broken, library)).toContain('./missing -> ./dist/missing.js')
    expect(missingExports({ exports: { '.': './nowhere.js' }, bin: { x: './no-bin.js' } }, library)).toEqual([
      '. -> ./nowhere.js',
      'bin -> ./no-bin.js',
    ])
  })
})
