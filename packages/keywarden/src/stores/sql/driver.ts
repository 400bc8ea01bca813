import { ConfigError } from '../../errors.js'

export type Importer = (specifier: string) => Promise<any>

const defaultImporter: Importer = (specifier) => import(specifier)

/** Loads an optional peer dependency; a missing one is a ConfigError naming what to install. */
export async function loadDriver(
  name: 'better-sqlite3' | 'pg' | 'mysql2/promise' | 'mysql2',
  scheme: string,
  importer: Importer = defaultImporter,
): Promise<any> {
  try {
    const module = await importer(name)
    return module.default ?? module
  } catch (cause) {
    const code = (cause as { code?: string })?.code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const pkg = name.split('/')[0]
      throw new ConfigError(
        `sqlStore: ${scheme} URLs need the "${pkg}" package; install it: npm install ${pkg}`,
        {
          cause,
        },
      )
    }
    throw cause
  }
}
