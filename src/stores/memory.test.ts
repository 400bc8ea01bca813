import { describeKeyStore, describeSecretStore } from '../testing/index.js'
import { memoryStore } from './memory.js'

describeKeyStore('memory', () => memoryStore())
describeSecretStore('memory', () => memoryStore())
