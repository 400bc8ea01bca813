import { sqlStore } from '../packages/keywarden/src/stores/sql/index.js'
import { describeKeyStore, describeSecretStore } from '../packages/keywarden/src/testing/index.js'
import { type EngineName, freshPlace } from './sql-procs/engines.js'
import { serviceSkip } from './support/services.js'

const engines: EngineName[] = ['sqlite-file', 'sqlite-memory', 'postgres', 'mysql']

for (const engine of engines) {
  const keys = freshPlace(engine)
  const secrets = freshPlace(engine)
  const skip = keys.service ? await serviceSkip(keys.service) : false
  describeKeyStore(engine, () => sqlStore({ url: keys.url }, keys.options), {
    skip,
    cleanup: () => keys.cleanup(),
  })
  describeSecretStore(engine, () => sqlStore({ url: secrets.url }, secrets.options), {
    skip,
    cleanup: () => secrets.cleanup(),
  })
}
