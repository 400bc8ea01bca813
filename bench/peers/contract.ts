// What peers.bench.ts uses of a peer. Kept apart from the peer's code, which imports packages
// that exist only once bench/peers is installed, so the workspace type-checks without them.

export interface BetterAuthPeer {
  /** `auth.api.verifyApiKey({ body: { key } })`, as a backend verifies a key server-side. */
  verify(key: string): Promise<{ valid: boolean }>
  /** Creates `count` keys for one user; returns the plaintext keys. */
  createKeys(count: number): Promise<string[]>
  close(): void
}

export interface BetterAuthModule {
  /** Opens (and migrates) better-auth with its API-key plugin on the SQLite file at `file`. */
  openBetterAuth(file: string): Promise<BetterAuthPeer>
}
