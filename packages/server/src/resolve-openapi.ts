/** POST /api/byok/resolve and POST /api/byok/{provider}/check in the server's OpenAPI document. */
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
        "The owner's own key, else the key of the first of `teamIds` holding one, else the platform key, as the provider's fallback policy (KEYWARDEN_PROVIDERS) allows; a key over its monthly budget is passed over. Every call is logged and audited (`secret.resolved`): the calling key id, the owner, the provider, the source and ref, never the value.",
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
                teamIds: {
                  type: 'array',
                  maxItems: 100,
                  items: { type: 'string', minLength: 1, maxLength: 512 },
                  description: "The owner's teams, in the order their keys are tried.",
                },
              },
            },
            examples: {
              openai: { value: { ownerId: 'user-42', provider: 'openai' } },
              team: { value: { ownerId: 'user-42', provider: 'openai', teamIds: ['acme'] } },
            },
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
                required: ['provider', 'apiKey', 'source', 'ref', 'teamId', 'expiresAt'],
                additionalProperties: false,
                properties: {
                  provider: { type: 'string' },
                  apiKey: { type: 'string' },
                  source: { type: 'string', enum: ['user', 'team', 'platform'] },
                  ref: {
                    type: 'string',
                    description:
                      'Names the key without revealing it (`user:<id>/openai@<fp>`), for usage reports.',
                  },
                  teamId: {
                    type: ['string', 'null'],
                    description: 'The team whose key it is (source team).',
                  },
                  expiresAt: { type: ['string', 'null'], format: 'date-time' },
                },
              },
              examples: {
                openai: {
                  value: {
                    provider: 'openai',
                    apiKey: 'sk-proj-…',
                    source: 'user',
                    ref: 'user:user-42/openai@1a2b3c4d',
                    teamId: null,
                    expiresAt: '2030-01-01T00:00:00.000Z',
                  },
                },
              },
            },
          },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
        '401': { $ref: '#/components/responses/Unauthorized' },
        '403': { $ref: '#/components/responses/Forbidden' },
        '402': problem('Every key the policy allows is over its monthly budget (reason BUDGET_EXCEEDED).'),
        '404': problem('No key the policy allows is stored (reason MISSING).'),
        '413': { $ref: '#/components/responses/TooLarge' },
        '503': { $ref: '#/components/responses/Unavailable' },
      },
    },
  },
}

export const CHECK_PATH = {
  '/api/byok/{provider}/check': {
    post: {
      operationId: 'checkProviderKey',
      tags: ['provider keys'],
      summary: "Tests a provider key against the provider's cheapest authenticated endpoint (keywarden:byok)",
      description:
        'Sends `{ apiKey }` to test a key before saving it, or nothing to test your stored key. Answers are cached briefly; a few checks per minute per API key.',
      parameters: [{ name: 'provider', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { apiKey: { type: 'string' } },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'What the provider said (ok false for a rejected key, a rate limit or no answer)',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['ok', 'status', 'detail'],
                additionalProperties: false,
                properties: {
                  ok: { type: 'boolean' },
                  status: {
                    type: ['integer', 'null'],
                    description: "The provider's HTTP status; null without an answer.",
                  },
                  detail: { type: 'string' },
                },
              },
            },
          },
        },
        '400': { $ref: '#/components/responses/BadRequest' },
        '401': { $ref: '#/components/responses/Unauthorized' },
        '403': { $ref: '#/components/responses/Forbidden' },
        '404': problem('No key is stored for you and none was sent.'),
        '429': problem('Too many checks from this API key; retry after the Retry-After seconds.'),
        '503': { $ref: '#/components/responses/Unavailable' },
      },
    },
  },
}
