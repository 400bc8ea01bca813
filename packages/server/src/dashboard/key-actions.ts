import type { Hono } from 'hono'
import { type Keywarden, ValidationError } from 'keywarden'
import type { C, DashboardAnswers } from './answers.js'
import { EXPIRY_CHOICES, parseScopes } from './format.js'
import { limitsFromForm } from './limits-form.js'
import type { ServerEnv } from './security.js'

/** The signed-in admin's own key cannot be revoked, rolled or deleted from its own session. */
function notOwnKey(c: C, id: string, verb: string): void {
  if (id === c.get('session').adminKeyId) {
    throw new ValidationError(
      `you are signed in with this key; sign in with another admin key to ${verb} it`,
      {
        field: 'id',
      },
    )
  }
}

/** POST /dashboard/keys (create) and its revoke, roll and delete actions. */
export function keyActions(
  app: Hono<ServerEnv>,
  { warden, now, answers }: { warden: Keywarden; now: () => Date; answers: DashboardAnswers },
): void {
  const { keysAnswer, failure } = answers

  app.post('/dashboard/keys', async (c) => {
    try {
      const body = await c.req.parseBody()
      const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '')
      const choice = EXPIRY_CHOICES.find((e) => e.value === text('expiry'))
      if (!choice) throw new ValidationError('choose an expiry from the list', { field: 'expiry' })
      const created = await warden.keys.create({
        name: text('name'),
        ownerId: text('ownerId') || null,
        scopes: parseScopes(text('scopes')),
        expiresAt: choice.ms === null ? null : new Date(now().getTime() + choice.ms),
        ...limitsFromForm(text),
      })
      return keysAnswer(c, { kind: 'success', message: `Key "${created.record.name}" created.` }, created)
    } catch (error) {
      return failure(c, error)
    }
  })

  app.post('/dashboard/keys/:id/revoke', async (c) => {
    try {
      const id = c.req.param('id')
      notOwnKey(c, id, 'revoke')
      const record = await warden.keys.revoke(id)
      return keysAnswer(c, { kind: 'success', message: `Key "${record.name}" revoked.` })
    } catch (error) {
      return failure(c, error)
    }
  })

  app.post('/dashboard/keys/:id/roll', async (c) => {
    try {
      const id = c.req.param('id')
      notOwnKey(c, id, 'roll')
      const rolled = await warden.keys.roll(id)
      return keysAnswer(
        c,
        { kind: 'success', message: `Key "${rolled.record.name}" rolled.` },
        {
          ...rolled,
          rolledFrom: rolled.previous.id,
        },
      )
    } catch (error) {
      return failure(c, error)
    }
  })

  app.post('/dashboard/keys/:id/delete', async (c) => {
    try {
      const id = c.req.param('id')
      notOwnKey(c, id, 'delete')
      const record = await warden.keys.get(id)
      await warden.keys.delete(id)
      return keysAnswer(c, { kind: 'success', message: `Key "${record?.name ?? id}" deleted.` })
    } catch (error) {
      return failure(c, error)
    }
  })
}
