/** The /api/webhooks paths of the server's OpenAPI document. */
const problem = (ref: string) => ({ $ref: `#/components/responses/${ref}` })
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } })

const endpoint = {
  type: 'object',
  required: ['id', 'url', 'events', 'description', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string', format: 'uri' },
    events: { type: 'array', items: { type: 'string' } },
    description: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
}
const attempt = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    deliveryId: { type: 'string' },
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    attempt: { type: 'integer' },
    responseStatus: { type: ['integer', 'null'] },
    ok: { type: 'boolean' },
    error: { type: ['string', 'null'] },
    durationMs: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
  },
}
const input = {
  type: 'object',
  properties: {
    url: { type: 'string', format: 'uri' },
    events: { type: 'array', items: { type: 'string' }, minItems: 1 },
    description: { type: ['string', 'null'], maxLength: 500 },
  },
}
const pageOf = (items: unknown) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] } },
})
const paging = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
]
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
const refused = { '401': problem('Unauthorized'), '403': problem('Forbidden') }

export const WEBHOOK_PATHS = {
  '/api/webhooks': {
    post: {
      operationId: 'createWebhook',
      summary: 'Add a webhook endpoint (admin); the answer holds its whsec_ secret, shown once',
      requestBody: { required: true, ...json({ ...input, required: ['url', 'events'] }) },
      responses: {
        '201': {
          description: 'Created',
          ...json({
            ...endpoint,
            required: [...endpoint.required, 'secret'],
            properties: { ...endpoint.properties, secret: { type: 'string' } },
          }),
        },
        '400': problem('BadRequest'),
        ...refused,
      },
    },
    get: {
      operationId: 'listWebhooks',
      summary: 'List webhook endpoints (admin), newest first',
      parameters: paging,
      responses: { '200': { description: 'A page', ...json(pageOf(endpoint)) }, ...refused },
    },
  },
  '/api/webhooks/{id}': {
    get: {
      operationId: 'getWebhook',
      summary: 'One webhook endpoint (admin)',
      parameters: [idParam],
      responses: {
        '200': { description: 'The endpoint', ...json(endpoint) },
        ...refused,
        '404': problem('NotFound'),
      },
    },
    patch: {
      operationId: 'updateWebhook',
      summary: 'Change a webhook endpoint’s url, events or description (admin)',
      parameters: [idParam],
      requestBody: { required: true, ...json(input) },
      responses: {
        '200': { description: 'The endpoint', ...json(endpoint) },
        '400': problem('BadRequest'),
        ...refused,
        '404': problem('NotFound'),
      },
    },
    delete: {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook endpoint with its pending deliveries and log (admin)',
      parameters: [idParam],
      responses: { '204': { description: 'Deleted' }, ...refused, '404': problem('NotFound') },
    },
  },
  '/api/webhooks/{id}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'The endpoint’s delivery log, one entry per attempt, newest first (admin)',
      parameters: [idParam, ...paging],
      responses: {
        '200': { description: 'A page', ...json(pageOf(attempt)) },
        ...refused,
        '404': problem('NotFound'),
      },
    },
  },
  '/api/webhooks/deliveries/{id}/redeliver': {
    post: {
      operationId: 'redeliverWebhook',
      summary: 'Queue a delivery again now, with a fresh retry schedule (admin)',
      parameters: [idParam],
      responses: {
        '202': { description: 'Queued', ...json({ type: 'object' }) },
        ...refused,
        '404': problem('NotFound'),
      },
    },
  },
}
