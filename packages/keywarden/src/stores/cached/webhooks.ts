import { hasMethods } from '../types.js'
import { WEBHOOK_STORE_METHODS, type WebhookStore } from '../webhook-types.js'

/** The primary's webhook methods, unchanged (nothing of the outbox is cached); none when it keeps no webhooks. */
export function delegatedWebhooks(primary: unknown): Partial<WebhookStore> {
  if (!hasMethods(primary, WEBHOOK_STORE_METHODS)) return {}
  const store = primary as WebhookStore
  return Object.fromEntries(
    WEBHOOK_STORE_METHODS.map((name) => [name, (store[name] as (...args: unknown[]) => unknown).bind(store)]),
  ) as Partial<WebhookStore>
}
