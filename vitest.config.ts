import { defineConfig } from 'vitest/config'

// 'keywarden-source' resolves the workspace packages to their TypeScript sources (see their exports maps).
const conditions = ['keywarden-source', 'node', 'import', 'module', 'default']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
