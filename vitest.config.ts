import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

// Tests run the workspace packages from their TypeScript sources: each public name resolves to the
// file its 'keywarden-source' export condition names (exactly, so a bare 'keywarden' is not a prefix).
function sourceAliases(dir: string) {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, dir, 'package.json'), 'utf8'))
  return Object.entries(pkg.exports as Record<string, Record<string, string>>)
    .filter(([, target]) => typeof target === 'object' && target['keywarden-source'])
    .map(([sub, target]) => ({
      find: new RegExp(`^${(sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`).replace('/', '\\/')}$`),
      replacement: join(import.meta.dirname, dir, target['keywarden-source'] as string),
    }))
}

export default defineConfig({
  resolve: { alias: [...sourceAliases('packages/keywarden'), ...sourceAliases('packages/server')] },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time on this 2-core machine (the default is one fewer than the cores): many
    // tests wait on child processes, databases and timers, so the suite stays under ten minutes.
    maxWorkers: 2,
  },
})
