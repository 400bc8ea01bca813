#!/usr/bin/env node
// The `keywarden` command. An installed package runs its compiled dist/; in a clone of the repository
// (src/ present) it runs the TypeScript sources through tsx, a dev dependency of the workspace, with the
// 'keywarden-source' export condition so that `keywarden/*` imports resolve to the library's sources too.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const source = new URL('../src/cli/index.ts', import.meta.url)
if (existsSync(source)) {
  register('./source-conditions.js', import.meta.url)
  const tsx = await import('tsx/esm/api')
  tsx.register()
  await import(source.href)
} else {
  await import(new URL('../dist/cli/index.js', import.meta.url).href)
}
