import { type INestApplication, Logger as NestLogger, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { answerClientError, type ClientError, inSequence, jsonBodiesOnly, jsonDepthLimit, requestContext, versionLifecycle } from '@vigil/common';
import type { VigilConfig } from '@vigil/config';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { EnvelopeWsAdapter } from './envelope-ws-adapter';
import { JsonReplyAdapter } from './json-reply-adapter';
import { buildOpenApiDocument } from './openapi';
import { HttpMetrics } from './ops/http-metrics';
import { securityHeaders } from './security-headers';

/** Paths outside /api: ops routes and the documentation. */
const UNPREFIXED = ['/', 'health', 'ready', 'metrics', 'docs/errors'];

export async function createApiApp(config: VigilConfig, options: { preview?: boolean } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), new JsonReplyAdapter(), {
    bodyParser: false,
    bufferLogs: true,
    preview: options.preview,
    abortOnError: false,
  });
  configureApp(app, config, options.preview === true);
  return app;
}

/** Everything the HTTP pipeline needs, in order: request id first, then security, versions, body. */
export function configureApp(app: NestExpressApplication, config: VigilConfig, preview = false): void {
  if (!preview) app.useLogger(app.get(Logger));
  answerMalformedRequests(app.getHttpServer());
  // helmet removes Express's X-Powered-By on every answer; not setting it at all is cheaper.
  app.disable('x-powered-by');
  // The edge every request passes, in order: metrics timing, request id, security headers, then (after CORS,
  // when configured) the version lifecycle and the content-type rule. Steps share a router layer (inSequence).
  const first = [...(preview ? [] : [app.get(HttpMetrics).middleware]), requestContext, securityHeaders()];
  const then = [versionLifecycle(config.apiVersions), jsonBodiesOnly];
  if (config.cors.origins.length) {
    app.use(inSequence(...first));
    app.enableCors({
      origin: config.cors.origins.includes('*') ? '*' : config.cors.origins,
      credentials: config.cors.credentials,
      exposedHeaders: [
        'X-Request-ID',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
        'Retry-After',
        'Location',
        'Idempotent-Replayed',
        'Deprecation',
        'Sunset',
        'Link',
      ],
    });
    app.use(inSequence(...then));
  } else {
    app.use(inSequence(...first, ...then));
  }
  app.useBodyParser('json', { limit: '1mb', type: ['application/json', 'application/*+json'] });
  app.use(jsonDepthLimit);
  app.setGlobalPrefix('api', { exclude: UNPREFIXED });
  app.enableVersioning({ type: VersioningType.URI, prefix: 'v' });
  app.useWebSocketAdapter(new EnvelopeWsAdapter(app));
  app.set('query parser', 'simple');
  // Every envelope carries its own request_id and timestamp, so an ETag of the body could never match a
  // later request (no 304 is possible) and hashing each body would be work for nothing.
  app.set('etag', false);
  if (config.http.docsEnabled && !preview) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config), { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  }
}

/**
 * Requests Node's parser refuses before Express sees them, and ones too slow to arrive, get the error envelope
 * too (see answerClientError).
 */
function answerMalformedRequests(server: Server): void {
  const logger = new NestLogger('HttpParser');
  server.on('clientError', (err: ClientError, socket: Duplex) => {
    const answer = answerClientError(err, socket);
    // The parser's code and reason only: the raw bytes of the request may hold a key.
    if (answer) logger.warn({ request_id: answer.requestId, code: answer.code, parser_error: err.code, msg: `refused an HTTP request: ${err.message}` });
  });
}

export type { INestApplication };
