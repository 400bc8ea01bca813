// Compiles one workspace package's src/ to dist/ (run from the package folder: `npm run build -w <name>`)
// and fails when its package.json export or bin points at a file the build did not emit.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { missingExports } from './check-exports.mjs'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
rmSync('dist', { recursive: true, force: true })
// The repository's LICENSE and README ship inside each package (copies, ignored by git).
for (const file of ['LICENSE', 'README.md']) copyFileSync(new URL(`../${file}`, import.meta.url), file)
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' })

const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const missing = missingExports(pkg, '.')
if (missing.length > 0) {
  console.error(`build: package.json points at files the build did not emit:\n  ${missing.join('\n  ')}`)
  process.exit(1)
}
for (const file of Object.values(pkg.bin ?? {})) chmodSync(file, 0o755)
console.log(`build: ${pkg.name} dist/ ready, ${Object.keys(pkg.exports).length} exports checked`)
