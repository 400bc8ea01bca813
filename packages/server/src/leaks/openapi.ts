/** OpenAPI entries of the leak endpoints, merged into the server's /openapi.json. */
const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }

export const LEAK_PATHS = {
  '/api/leaks/github': {
    post: {
      operationId: 'githubSecretScanning',
      summary: 'GitHub secret scanning partner endpoint: labels reported tokens and applies the leak policy',
      description:
        'Signed by GitHub: `Github-Public-Key-Identifier` and `Github-Public-Key-Signature` (ECDSA P-256 SHA-256 over the raw body, base64 DER), checked against the keys at KEYWARDEN_GITHUB_KEYS_URL.',
      parameters: [
        { name: 'Github-Public-Key-Identifier', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'Github-Public-Key-Signature', in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'array',
              maxItems: 1000,
              items: {
                type: 'object',
                required: ['token', 'type'],
                properties: {
                  token: { type: 'string' },
                  type: { type: 'string' },
                  url: { type: 'string' },
                  source: { type: 'string' },
                },
              },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'One label per reported token',
          content: {
            'application/json': {
              schema: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['token_hash', 'token_type', 'label'],
                  properties: {
                    token_hash: { type: 'string', description: 'SHA-256 hex of the reported token' },
                    token_type: { type: 'string' },
                    label: { type: 'string', enum: ['true_positive', 'false_positive'] },
                  },
                },
              },
            },
          },
        },
        '400': { description: 'The body is not a list of reported tokens', content: problem },
        '401': { description: 'Missing, unknown or wrong signature: nothing was changed', content: problem },
        '413': { description: 'The body is over 1 MB', content: problem },
      },
    },
  },
  '/api/leaks/report': {
    post: {
      operationId: 'reportLeakedKeys',
      summary: 'Report leaked keys (no authentication: holding a key is the proof)',
      description:
        'Each valid key is handled by KEYWARDEN_LEAK_POLICY after the answer; the answer never says which keys existed.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['keys'],
              properties: {
                keys: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 100,
                  items: { type: 'string', maxLength: 512 },
                },
              },
            },
          },
        },
      },
      responses: {
        '202': {
          description: 'Received; the same answer for valid and unknown keys',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['received'],
                properties: { received: { type: 'integer' } },
              },
            },
          },
        },
        '400': { description: 'The body is not `{ keys: [...] }` with 1 to 100 strings', content: problem },
        '429': { description: 'Too many reports from this address; see Retry-After', content: problem },
      },
    },
  },
}
