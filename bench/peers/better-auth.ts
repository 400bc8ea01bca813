// better-auth with its API-key plugin on a better-sqlite3 file: the peer peers.bench.ts measures
// keywarden against. Lives under bench/peers so 'better-auth' resolves from bench/peers/node_modules
// and stays out of the workspace's dependencies.
import { apiKey } from '@better-auth/api-key'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import Database from 'better-sqlite3'
import type { BetterAuthPeer } from './contract.js'

/** See BetterAuthModule in contract.ts. */
export async function openBetterAuth(file: string): Promise<BetterAuthPeer> {
  const db = new Database(file)
  // The same journal mode keywarden's sqlStore puts a SQLite file in.
  db.pragma('journal_mode = WAL')
  const auth = betterAuth({
    database: db,
    secret: 'bench-only-secret-bench-only-secret-0123456789',
    baseURL: 'http://127.0.0.1',
    telemetry: { enabled: false },
    logger: { disabled: true },
    // The plugin's default limits a key to 10 verifications a day; keywarden's keys have no limit
    // unless one is set, so both sides verify unlimited keys.
    plugins: [apiKey({ rateLimit: { enabled: false } })],
  })
  const { runMigrations } = await getMigrations(auth.options)
  await runMigrations()
  return {
    verify: (key) => auth.api.verifyApiKey({ body: { key } }),
    async createKeys(count) {
      const ctx = await auth.$context
      const user = await ctx.internalAdapter.createUser(
        {
          email: `bench-${Date.now()}@example.com`,
          name: 'bench',
          emailVerified: true,
        },
        { method: 'admin' },
      )
      const keys: string[] = []
      for (let i = 0; i < count; i++) {
        const created = await auth.api.createApiKey({
          body: { userId: user.id, name: `k${i}`, permissions: { users: ['read'] } },
        })
        keys.push(created.key)
      }
      return keys
    },
    close: () => db.close(),
  }
}
