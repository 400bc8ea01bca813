import { randomBytes } from 'node:crypto'
import { describeError } from '../errors.js'
import type { DeliveryAttempt, WebhookDelivery, WebhookStore } from '../stores/webhook-types.js'
import { newId } from './input.js'
import { signWebhook } from './sign.js'
import { checkWebhookUrl, type HostLookup } from './url.js'

export interface WorkerOptions {
  store: WebhookStore
  /** The endpoint's plaintext `whsec_` secret. */
  secretOf(endpointId: string, ciphertext: string): string
  schedule: number[]
  allowPrivate: boolean
  lookup: HostLookup | undefined
  fetch: typeof fetch
  now: () => Date
  onError: (error: unknown) => void
  pollIntervalMs: number
  timeoutMs: number
  leaseMs: number
  batchSize: number
}

export interface Worker {
  runOnce(): Promise<number>
  start(): void
  /** Asks for a round soon (after an enqueue), when started. */
  kick(): void
  stop(): Promise<void>
}

interface Answer {
  responseStatus: number | null
  error: string | null
}

/** Leases due outbox entries, POSTs each with Standard Webhooks headers, records every attempt. */
export function createWorker(options: WorkerOptions): Worker {
  const { store, schedule, now, onError } = options
  let timer: NodeJS.Timeout | null = null
  let running = false
  let round: Promise<number> | null = null
  let again = false

  async function post(delivery: WebhookDelivery, url: string, secret: string): Promise<Answer> {
    try {
      await checkWebhookUrl(url, { allowPrivate: options.allowPrivate, lookup: options.lookup })
    } catch (error) {
      return { responseStatus: null, error: describeError(error) }
    }
    const timestamp = Math.floor(now().getTime() / 1000)
    try {
      const response = await options.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'keywarden-webhooks',
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secret, delivery.eventId, timestamp, delivery.payload),
        },
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      await response.body?.cancel().catch(() => {})
      return { responseStatus: response.status, error: null }
    } catch (error) {
      const name = (error as Error)?.name
      const why = name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : 'the request failed'
      return { responseStatus: null, error: why }
    }
  }

  async function attempt(delivery: WebhookDelivery, owner: string): Promise<boolean> {
    const endpoint = await store.getWebhook(delivery.endpointId)
    if (!endpoint) return false
    const started = now()
    const t0 = performance.now()
    const answer = await post(
      delivery,
      endpoint.url,
      options.secretOf(endpoint.id, endpoint.secretCiphertext),
    )
    const durationMs = Math.round(performance.now() - t0)
    const ok = answer.responseStatus !== null && answer.responseStatus >= 200 && answer.responseStatus < 300
    const record: DeliveryAttempt = {
      id: newId('wha', started.getTime()),
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attempt: delivery.attempts + 1,
      responseStatus: answer.responseStatus,
      ok,
      error: answer.error,
      durationMs,
      at: started,
    }
    const delay = schedule[delivery.retry]
    const finished = now()
    const outcome = ok
      ? { status: 'delivered' as const, nextAt: finished, retry: delivery.retry }
      : delay === undefined
        ? { status: 'failed' as const, nextAt: finished, retry: delivery.retry }
        : {
            status: 'pending' as const,
            nextAt: new Date(finished.getTime() + delay),
            retry: delivery.retry + 1,
          }
    return store.finishAttempt(delivery.id, owner, { attempt: record, ...outcome })
  }

  async function runOnce(): Promise<number> {
    const owner = randomBytes(12).toString('hex')
    const leased = await store.leaseDeliveries({
      now: now(),
      leaseMs: options.leaseMs,
      owner,
      limit: options.batchSize,
    })
    const results = await Promise.allSettled(leased.map((delivery) => attempt(delivery, owner)))
    let made = 0
    for (const result of results) {
      if (result.status === 'rejected') onError(result.reason)
      else if (result.value) made++
    }
    return made
  }

  async function loop(): Promise<void> {
    timer = null
    if (!running) return
    do {
      again = false
      round = runOnce()
      try {
        // A full batch may mean more are due: go on at once.
        const made = await round
        if (made >= options.batchSize) again = true
      } catch (error) {
        onError(error)
      } finally {
        round = null
      }
    } while (running && again)
    if (running) timer = setTimeout(loop, options.pollIntervalMs)
  }

  return {
    runOnce,
    start() {
      if (running) return
      running = true
      timer = setTimeout(loop, 0)
    },
    kick() {
      if (!running) return
      if (round) {
        again = true
        return
      }
      if (timer) clearTimeout(timer)
      timer = setTimeout(loop, 0)
    },
    async stop() {
      running = false
      if (timer) clearTimeout(timer)
      timer = null
      await round?.catch(() => {})
    },
  }
}
