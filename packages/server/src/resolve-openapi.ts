/** POST /api/byok/resolve in the server's OpenAPI document. */
import { RESOLVE_SCOPE } from './resolve.js'

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
})

export const RESOLVE_PATH = {
  '/api/byok/resolve': {
    post: {
      operationId: 'resolveProviderKey',
      tags: ['service'],
      summary: `An owner's provider key in plaintext, for a backend (its key needs ${RESOLVE_SCOPE})`,
      description:
        'Every call is logged by the server: the calling key id, the owner and the provider, never the value.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['ownerId', 'provider'],
              additionalProperties: false,
              properties: {
                ownerId: { type: 'string', minLength: 1, description: 'Whose key (the vault user id).' },
                provider: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
              },
            },
            examples: { openai: { value: { ownerId: 'user-42', provider: 'openai' } } },
          },
        },
      },
      responses: {
        '200': {
          description: 'The plaintext provider key: keep it in memory only',
          headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } },
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['provider', 'apiKey', 'expiresAt'],
                additionalProperties: false,
                properties: {
                  provider: { type: 'string' },
                  apiKey: { type: 'string' },
                  expiresAt: { type: ['string', 'null'], format: 'date-time' },
                },
              },
              examples: {
                openai: {
                  value: { provider: 'openai', apiKey: 'sk-proj-…', expiresAt: '2030-01-01T00:00:00.000Z' },
                },
              },
            },
          },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
        '401': { $ref: '#/components/responses/Unauthorized' },
        '403': { $ref: '#/components/responses/Forbidden' },
        '404': problem('This owner has no stored key for that provider.'),
        '413': { $ref: '#/components/responses/TooLarge' },
        '503': { $ref: '#/components/responses/Unavailable' },
      },
    },
  },
}
