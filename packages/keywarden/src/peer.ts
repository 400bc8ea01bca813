import { ConfigError } from './errors.js'

function isMissing(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    (message === undefined ||
      message.includes(`'${pkg}'`) ||
      message.includes(`"${pkg}"`) ||
      !message.includes("'"))
  )
}

/**
 * Loads a module that needs an optional peer dependency; when the peer is not installed the
 * import fails with a ConfigError naming the package to install (`who` says what needs it).
 */
export async function importPeer<T>(load: () => Promise<T>, pkg: string, who: string): Promise<T> {
  try {
    return await load()
  } catch (cause) {
    if (isMissing(cause, pkg)) {
      throw new ConfigError(`${who} needs the "${pkg}" package; install it: npm install ${pkg}`, { cause })
    }
    throw cause
  }
}
