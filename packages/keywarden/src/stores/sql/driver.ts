import { importPeer } from '../../peer.js'

export type Importer = (specifier: string) => Promise<any>

const defaultImporter: Importer = (specifier) => import(specifier)

/** Loads a database driver (an optional peer); a missing one is a ConfigError naming what to install. */
export async function loadDriver(
  name: 'better-sqlite3' | 'pg' | 'mysql2/promise' | 'mysql2',
  scheme: string,
  importer: Importer = defaultImporter,
): Promise<any> {
  const module = await importPeer(
    () => importer(name),
    name.split('/')[0] as string,
    `sqlStore: ${scheme} URLs`,
  )
  return module.default ?? module
}
