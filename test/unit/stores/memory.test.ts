import { memoryStore } from '../../../packages/keywarden/src/stores/memory.js'
import { describeKeyStore, describeSecretStore } from '../../../packages/keywarden/src/testing/index.js'

describeKeyStore('memory', () => memoryStore())
describeSecretStore('memory', () => memoryStore())
