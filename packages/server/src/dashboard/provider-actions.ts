import type { Hono } from 'hono'
import { html } from 'hono/html'
import { NotFoundError, ValidationError } from 'keywarden'
import type { DashboardAnswers } from './answers.js'
import type { ServerEnv } from './security.js'
import type { DashboardVault } from './vault-port.js'

/** Saving and deleting the signed-in user's provider keys, one card each. */
export function providerActions(
  app: Hono<ServerEnv>,
  { vault, answers }: { vault: DashboardVault; answers: DashboardAnswers },
): void {
  const { providerAnswer, failure } = answers

  function knownProvider(id: string) {
    const provider = vault.providers().find((p) => p.id === id)
    if (!provider) throw new NotFoundError(`no provider "${id}"; pick one of the cards`)
    return provider
  }

  app.post('/dashboard/providers/:provider', async (c) => {
    const id = c.req.param('provider')
    try {
      const provider = knownProvider(id)
      const body = await c.req.parseBody()
      const key = typeof body.key === 'string' ? body.key.trim() : ''
      if (key === '') throw new ValidationError(`paste your ${provider.name} key first`, { field: 'key' })
      if (provider.pattern && !provider.pattern.test(key)) {
        throw new ValidationError(`this is not a ${provider.name} key: ${provider.hint}`, { field: 'key' })
      }
      const had = (await vault.list(c.get('session').userId)).some((s) => s.provider === id)
      await vault.set(c.get('session').userId, id, key)
      return providerAnswer(c, id, {
        kind: 'success',
        message: `${provider.name} key ${had ? 'replaced' : 'saved'}.`,
      })
    } catch (error) {
      return failure(c, error)
    }
  })

  // Tests the saved key against the provider (an outbound call with a timeout; answers cached briefly).
  app.post('/dashboard/providers/:provider/check', async (c) => {
    const id = c.req.param('provider')
    try {
      const provider = knownProvider(id)
      const result = await vault.check(c.get('session').userId, id)
      if (result === null) throw new NotFoundError(`no ${provider.name} key is saved`)
      const message = result.ok
        ? `${provider.name} accepted the key.`
        : `${provider.name} did not accept the key: ${result.detail}.`
      if (c.req.header('hx-request') !== 'true') {
        return providerAnswer(c, id, { kind: result.ok ? 'success' : 'error', message })
      }
      c.header('Cache-Control', 'no-store')
      return c.html(checkResult(result.ok, message))
    } catch (error) {
      return failure(c, error)
    }
  })

  app.post('/dashboard/providers/:provider/delete', async (c) => {
    const id = c.req.param('provider')
    try {
      const provider = knownProvider(id)
      const deleted = await vault.delete(c.get('session').userId, id)
      if (!deleted) throw new NotFoundError(`no ${provider.name} key is saved`)
      return providerAnswer(c, id, { kind: 'success', message: `${provider.name} key deleted.` })
    } catch (error) {
      return failure(c, error)
    }
  })
}

/** The line a "Test key" click swaps into its card (role status: screen readers announce it). */
function checkResult(ok: boolean, message: string) {
  const kind = ok ? 'check-ok' : 'check-failed'
  return html`<span class="check ${kind}" role="status" data-ok="${String(ok)}">${message}</span>`
}
