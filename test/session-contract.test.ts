import { randomBytes } from 'node:crypto'
import { hybridStore } from '../packages/keywarden/src/stores/hybrid.js'
import { memoryStore } from '../packages/keywarden/src/stores/memory.js'
import { sealedCookieSession } from '../packages/keywarden/src/stores/session/sealed-cookie.js'
import { sessionStore } from '../packages/keywarden/src/stores/session/session-store.js'
import type { SessionLike } from '../packages/keywarden/src/stores/types.js'
import { describeSecretStore } from '../packages/keywarden/src/testing/index.js'
import { expressDriver, fastifyDriver, type SessionDriver, sealedCookieBrowser } from './session-drivers.js'

/** A plain in-memory SessionLike (what a hand-rolled session would be). */
function plainSession(): SessionLike {
  const data = new Map<string, unknown>()
  return { get: (k) => data.get(k), set: (k, v) => void data.set(k, v), delete: (k) => void data.delete(k) }
}

let express: SessionDriver
describeSecretStore(
  'sessionStore over express-session (MemoryStore, real requests)',
  async () => {
    express = await expressDriver()
    return sessionStore()
  },
  { session: () => express.session(), scans: false, cleanup: () => express?.close() },
)

let fastify: SessionDriver
describeSecretStore(
  'sessionStore over @fastify/session',
  async () => {
    fastify = await fastifyDriver()
    return sessionStore()
  },
  { session: () => fastify.session(), scans: false, cleanup: () => fastify?.close() },
)

const cookies = sealedCookieSession({ secret: randomBytes(32), secure: false })
describeSecretStore('sessionStore over the sealed cookie', () => sessionStore(), {
  session: () => sealedCookieBrowser(cookies),
  scans: false,
  // One cookie holds about 4 KB: the contract's fixture records take about 230 bytes each.
  maxRecords: 12,
})

describeSecretStore('sessionStore over a plain SessionLike', () => sessionStore({ key: 'custom:key' }), {
  session: plainSession,
  scans: false,
})

describeSecretStore(
  'hybridStore (sessionStore + memoryStore)',
  () => hybridStore({ session: sessionStore(), persistent: memoryStore() }),
  { session: plainSession },
)

describeSecretStore(
  'hybridStore (sealed cookie + memoryStore)',
  () => hybridStore({ session: sessionStore(), persistent: memoryStore() }),
  { session: () => sealedCookieBrowser(cookies), maxRecords: 12, scans: false },
)
