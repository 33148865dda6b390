import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RETRY_AFTER_SECONDS } from './http/domain-error.filter';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

/**
 * What each error status of the error filter looks like, so that a 413 or 503 does not show a 400,
 * for responses whose decorator declares no example of its own (401, 404 of inputs, 415, 422 do).
 * test/openapi-examples.e2e-spec.ts checks that every error example carries its own status.
 */
const ERROR_EXAMPLES: Record<string, { error: string; detail: string }> = {
  '404': { error: 'Not Found', detail: 'No prediction with id 42' },
  '413': { error: 'Payload Too Large', detail: 'Request body exceeds the limit of 102400 bytes' },
  '503': { error: 'Service Unavailable', detail: 'The database is unavailable; nothing was stored. Retry later.' },
};

/**
 * Completes what the decorators cannot say operation by operation: an operation with no security
 * requirement is open (`security: []`, as opposed to undocumented), each error status has its own
 * example, and every 503 declares its Retry-After header.
 */
function completeOperations(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation: Operation | undefined = path[method];
      if (!operation) continue;
      operation.security ??= [];
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || !('description' in response)) continue;
        const example = ERROR_EXAMPLES[status];
        // Every media type (application/json, and text/csv or text/plain where the route answers those).
        for (const media of Object.values(response.content ?? {})) {
          const isErrorBody = media.schema && '$ref' in media.schema && media.schema.$ref.endsWith('/ErrorResponseDto');
          if (example && isErrorBody) media.example ??= { statusCode: Number(status), ...example };
        }
        if (status === '503') {
          response.headers = {
            'Retry-After': {
              description: 'Seconds to wait before retrying',
              schema: { type: 'integer', example: Number(RETRY_AFTER_SECONDS) },
            },
          };
        }
      }
    }
  }
}

/** The OpenAPI document of the app (served at /docs-json). */
function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Employee attrition API')
    .setDescription(
      'Predicts whether an employee is likely to leave, with a calibrated probability, and stores every ' +
        'request and answer for audit. Compatible with the original FastAPI service: same JSON in, same ' +
        '`prediction` and `probability` out.',
    )
    .setVersion('1.0.0')
    .addServer('/', 'This service')
    // Admin keys are opaque strings (ADMIN_API_KEYS), not JWTs.
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An admin API key from ADMIN_API_KEYS' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An admin API key from ADMIN_API_KEYS' }, 'api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  completeOperations(document);
  return document;
}

/** Swagger UI at /docs, OpenAPI JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
