/** keywarden/openapi — an OpenAPI 3.1 document of the management and BYOK routes. */
import { ConfigError } from '../errors.js'
import { byokPaths } from './openapi-byok.js'
import { responses, schemas } from './openapi-components.js'
import { managementPaths } from './openapi-keys.js'
import { keyUsagePaths, reportPaths, reportSchemas } from './openapi-reports.js'

export type { JsonSchema } from '../keys/schema-kinds.js'
export { type OpenApiDocumentShape, withVerifyRoute } from './openapi-service.js'

export interface OpenApiDocumentOptions {
  /** Where managementRoutes is mounted; null leaves them out. Default '/keys'. */
  basePath?: string | null
  /** Where byokRoutes is mounted; null leaves them out. Default '/byok'. */
  byokBasePath?: string | null
  /** Where reportRoutes (GET /usage, GET /audit) is mounted; null leaves them out. Default '/reports'. */
  reportBasePath?: string | null
  /** The header apiKeyAuth reads (as configured). Default 'X-API-Key'. */
  header?: string
  title?: string
  version?: string
}

const KNOWN = ['basePath', 'byokBasePath', 'reportBasePath', 'header', 'title', 'version']

function assertPath(value: unknown, name: string): asserts value is string | null {
  if (value !== null && (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(value))) {
    throw new ConfigError(`openApiDocument: ${name} must be a path such as "/keys", or null to leave it out`)
  }
}

export function openApiDocument(options: OpenApiDocumentOptions = {}) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('openApiDocument takes an options object: { basePath, byokBasePath }')
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name)) {
      throw new ConfigError(`openApiDocument: unknown option "${name}"; the options are ${KNOWN.join(', ')}`)
    }
  }
  const {
    basePath = '/keys',
    byokBasePath = '/byok',
    reportBasePath = '/reports',
    header = 'X-API-Key',
    title = 'keywarden',
    version = '1',
  } = options
  assertPath(basePath, 'basePath')
  assertPath(byokBasePath, 'byokBasePath')
  assertPath(reportBasePath, 'reportBasePath')
  if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new ConfigError('openApiDocument: header must be an HTTP header name such as "X-API-Key"')
  }
  if (typeof title !== 'string' || typeof version !== 'string') {
    throw new ConfigError('openApiDocument: title and version must be strings')
  }
  return {
    openapi: '3.1.0',
    info: {
      title,
      version,
      description:
        'Key management, usage and audit routes (closed by default: your authorize() or a key with the keywarden:admin scope) and provider-key (BYOK) routes of the signed-in user. Errors are RFC 9457 problem details.',
    },
    security: [{ ApiKeyHeader: [] }, { BearerAuth: [] }],
    paths: {
      ...(basePath === null ? {} : { ...managementPaths(basePath), ...keyUsagePaths(basePath) }),
      ...(reportBasePath === null ? {} : reportPaths(reportBasePath)),
      ...(byokBasePath === null ? {} : byokPaths(byokBasePath)),
    },
    components: {
      securitySchemes: {
        ApiKeyHeader: { type: 'apiKey', in: 'header', name: header },
        BearerAuth: { type: 'http', scheme: 'bearer' },
      },
      schemas: { ...schemas, ...reportSchemas },
      responses,
    },
  }
}
