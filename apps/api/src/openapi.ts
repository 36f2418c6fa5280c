import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyConfiguredMinimums, ERROR_CATALOGUE, VIGIL_VERSION } from '@vigil/common';
import type { VigilConfig } from '@vigil/config';

type Schema = Record<string, unknown>;
type Operation = {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
  'x-vigil-list'?: 'offset' | 'cursor';
  'x-vigil-public'?: boolean;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const SHARED_SCHEMAS: Record<string, Schema> = {
  ResponseMeta: {
    type: 'object',
    required: ['timestamp', 'request_id', 'api_version'],
    properties: {
      timestamp: { type: 'string', format: 'date-time', example: '2026-11-22T10:30:00.000Z' },
      request_id: { type: 'string', example: '6f1c0b9e-3b7a-4c1e-9a51-0f4f3e2b8d11' },
      api_version: { type: 'string', nullable: true, example: '1' },
      execution_time_ms: { type: 'integer', example: 4 },
    },
  },
  OffsetPagination: {
    type: 'object',
    required: ['page', 'per_page', 'total', 'total_pages', 'has_next', 'has_prev', 'links'],
    properties: {
      page: { type: 'integer', example: 1 },
      per_page: { type: 'integer', example: 50 },
      total: { type: 'integer', example: 120 },
      total_pages: { type: 'integer', example: 3 },
      has_next: { type: 'boolean', example: true },
      has_prev: { type: 'boolean', example: false },
      links: {
        type: 'object',
        properties: {
          first: { type: 'string' },
          prev: { type: 'string', nullable: true },
          self: { type: 'string' },
          next: { type: 'string', nullable: true },
          last: { type: 'string' },
        },
      },
    },
  },
  CursorPagination: {
    type: 'object',
    required: ['limit', 'has_more', 'next_cursor', 'links'],
    properties: {
      limit: { type: 'integer', example: 50 },
      has_more: { type: 'boolean', example: true },
      next_cursor: { type: 'string', nullable: true },
      links: { type: 'object', properties: { self: { type: 'string' }, next: { type: 'string', nullable: true } } },
    },
  },
  ErrorDetail: {
    type: 'object',
    required: ['message'],
    properties: { field: { type: 'string', example: 'interval' }, message: { type: 'string', example: 'interval must not be less than 10' }, value: {} },
  },
  ErrorEnvelope: {
    type: 'object',
    required: ['success', 'error', 'meta'],
    properties: {
      success: { type: 'boolean', enum: [false] },
      error: {
        type: 'object',
        required: ['code', 'message', 'help_url'],
        properties: {
          code: { type: 'string', enum: [...ERROR_CATALOGUE.keys()], example: 'VAL_MULTIPLE_ERRORS' },
          message: { type: 'string', example: 'Request validation failed' },
          details: { type: 'array', items: ref('ErrorDetail') },
          help_url: { type: 'string', example: '/docs/errors#val-multiple-errors' },
        },
      },
      meta: ref('ResponseMeta'),
    },
  },
};

function codesFor(status: number): string {
  return [...ERROR_CATALOGUE.values()]
    .filter((e) => e.status === status)
    .map((e) => e.code)
    .join(', ');
}

function errorResponse(status: number) {
  return { description: `Error envelope. Codes: ${codesFor(status)}`, content: { 'application/json': { schema: ref('ErrorEnvelope') } } };
}

/** Wraps each operation's success schema in the envelope and lists the error envelope for every error status. */
function applyEnvelope(doc: OpenAPIObject): void {
  for (const pathItem of Object.values(doc.paths)) {
    for (const op of Object.values(pathItem as Record<string, Operation>)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      const isPublic = op['x-vigil-public'] === true;
      if (isPublic) op.security = [];
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^2\d\d$/.test(status) || status === '204') continue;
        const inner = response.content?.['application/json']?.schema ?? {};
        const list = op['x-vigil-list'];
        const properties: Record<string, unknown> = {
          success: { type: 'boolean', enum: [true] },
          data: list ? { type: 'array', items: inner } : inner,
          meta: ref('ResponseMeta'),
        };
        if (list) properties.pagination = ref(list === 'offset' ? 'OffsetPagination' : 'CursorPagination');
        response.content = { 'application/json': { schema: { type: 'object', required: ['success', 'data', 'meta'], properties } } };
      }
      const errors = isPublic ? [400, 404, 429, 500, 503] : [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
      for (const status of errors) op.responses[String(status)] ??= errorResponse(status);
    }
  }
}

/**
 * The OpenAPI 3 document, generated from the code (controllers, DTOs and the Swagger CLI plugin), with the bounds
 * that come from `config` (CHECK_MIN_INTERVAL_S as the `minimum` of `interval`).
 */
export function buildOpenApiDocument(app: INestApplication, config: VigilConfig): OpenAPIObject {
  const info = new DocumentBuilder()
    .setTitle('Vigil API')
    .setDescription(
      'API monitoring service. Every answer is an envelope: `{success, data, meta, pagination?}` or `{success: false, error: {code, message, details, help_url}, meta}`. ' +
        'Authenticate with the `X-API-Key` header. v1 lists use offset pagination, v2 lists use cursor pagination. Error codes: `GET /api/v1/meta/errors`.',
    )
    .setVersion(VIGIL_VERSION)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (admin, operator or viewer)' }, 'api-key')
    .addSecurityRequirements('api-key')
    .build();
  const doc = SwaggerModule.createDocument(app, info, {
    operationIdFactory: (controller, method, version) => `${controller.replace(/Controller$/, '')}_${method}${version ? `_${version}` : ''}`,
  });
  doc.components ??= {};
  doc.components.schemas = { ...doc.components.schemas, ...SHARED_SCHEMAS } as typeof doc.components.schemas;
  applyConfiguredMinimums(doc, config);
  applyEnvelope(doc);
  return doc;
}
