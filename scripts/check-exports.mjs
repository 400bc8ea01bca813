import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** Every `exports` / `bin` target of package.json that does not exist under `root`, as "subpath -> file". */
export function missingExports(pkg, root) {
  const missing = []
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const files = typeof target === 'string' ? [target] : Object.values(target)
    for (const file of files) if (!existsSync(join(root, file))) missing.push(`${subpath} -> ${file}`)
  }
  for (const file of Object.values(pkg.bin ?? {}))
    if (!existsSync(join(root, file))) missing.push(`bin -> ${file}`)
  return missing
}
