import type { DeliveryAttempt, DeliveryStatus, StoredWebhook, WebhookDelivery } from '../webhook-types.js'

// How redisStore's webhooks (webhooks.ts) lay out endpoints, outbox entries and attempts as Redis values.

/** Index members sort like the items, newest last: `<ms as 15 digits>:<id>`. */
export const member = (at: number, id: string) => `${String(at).padStart(15, '0')}:${id}`

/** An HGETALL reply as an object: a flat list (RESP2, and from Lua), or a map (RESP3 reply mapping). */
export function fieldsOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
    return out
  }
  const entries = reply instanceof Map ? [...reply] : Object.entries((reply as object) ?? {})
  for (const [field, value] of entries) out[String(field)] = String(value)
  return out
}

export function webhookFields(w: StoredWebhook): string[] {
  return [
    'id',
    w.id,
    'url',
    w.url,
    'description',
    JSON.stringify(w.description),
    'events',
    JSON.stringify(w.events),
    'secretCiphertext',
    w.secretCiphertext,
    'createdAt',
    String(w.createdAt.getTime()),
    'updatedAt',
    String(w.updatedAt.getTime()),
  ]
}

export function webhookFrom(f: Record<string, string>): StoredWebhook {
  return {
    id: f.id as string,
    url: f.url as string,
    description: JSON.parse(f.description ?? 'null'),
    events: JSON.parse(f.events ?? '[]'),
    secretCiphertext: f.secretCiphertext as string,
    createdAt: new Date(Number(f.createdAt)),
    updatedAt: new Date(Number(f.updatedAt)),
  }
}

export function deliveryFields(d: WebhookDelivery): string[] {
  return [
    'id',
    d.id,
    'endpointId',
    d.endpointId,
    'eventId',
    d.eventId,
    'eventType',
    d.eventType,
    'payload',
    d.payload,
    'status',
    d.status,
    'attempts',
    String(d.attempts),
    'retry',
    String(d.retry),
    'nextAt',
    String(d.nextAt.getTime()),
    'createdAt',
    String(d.createdAt.getTime()),
    'updatedAt',
    String(d.updatedAt.getTime()),
    'leaseUntil',
    '0',
  ]
}

export function deliveryFrom(f: Record<string, string>): WebhookDelivery {
  return {
    id: f.id as string,
    endpointId: f.endpointId as string,
    eventId: f.eventId as string,
    eventType: f.eventType as string,
    payload: f.payload as string,
    status: f.status as DeliveryStatus,
    attempts: Number(f.attempts),
    retry: Number(f.retry),
    nextAt: new Date(Number(f.nextAt)),
    createdAt: new Date(Number(f.createdAt)),
    updatedAt: new Date(Number(f.updatedAt)),
  }
}

export function attemptJson(a: DeliveryAttempt): string {
  const error = a.error === null ? null : a.error.slice(0, 500)
  return JSON.stringify({ ...a, error, at: a.at.getTime() })
}

export function attemptFrom(text: string): DeliveryAttempt {
  const raw = JSON.parse(text)
  return { ...raw, at: new Date(raw.at) }
}
