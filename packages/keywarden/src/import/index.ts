export {
  cjmFernetKey,
  type ImportCjmByokOptions,
  type ImportCjmByokReport,
  importCjmByok,
} from './cjm-byok.js'
export type { FernetKey } from './fernet.js'
export * from './litestar.js'
