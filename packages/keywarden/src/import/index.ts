export {
  cjmFernetKey,
  type ImportCjmByokOptions,
  type ImportCjmByokReport,
  importCjmByok,
} from './cjm-byok.js'
export * from './litestar.js'
