import { type INestApplication, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { SwaggerModule } from '@nestjs/swagger';
import { jsonBodiesOnly, requestContext, versionLifecycle } from '@vigil/common';
import type { VigilConfig } from '@vigil/config';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './openapi';
import { HttpMetrics } from './ops/http-metrics';

/** Paths outside /api: ops routes and the documentation. */
const UNPREFIXED = ['/', 'health', 'ready', 'metrics', 'docs/errors'];

export async function createApiApp(config: VigilConfig, options: { preview?: boolean } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
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
  if (!preview) {
    app.useLogger(app.get(Logger));
    app.use(app.get(HttpMetrics).middleware);
  }
  app.use(requestContext);
  app.use(securityHeaders());
  if (config.cors.origins.length) {
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
  }
  app.use(versionLifecycle(config.apiVersions));
  app.use(jsonBodiesOnly);
  app.useBodyParser('json', { limit: '1mb', type: ['application/json', 'application/*+json'] });
  app.setGlobalPrefix('api', { exclude: UNPREFIXED });
  app.enableVersioning({ type: VersioningType.URI, prefix: 'v' });
  app.useWebSocketAdapter(new WsAdapter(app));
  app.set('query parser', 'simple');
  // Every envelope carries its own request_id and timestamp, so an ETag of the body could never match a
  // later request (no 304 is possible) and hashing each body would be work for nothing.
  app.set('etag', false);
  if (config.http.docsEnabled && !preview) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  }
}

/**
 * helmet's headers, by kind of answer. Pages (/docs, /docs/errors, /) get helmet's full set with a CSP
 * that lets Swagger UI run. JSON under /api renders nothing, so it gets the OWASP REST set only: a CSP
 * that allows nothing, no framing, nosniff, HSTS, no referrer, same-origin resources; the browser-page
 * headers (COOP, Origin-Agent-Cluster, DNS prefetch, ...) would be bytes on every answer for nothing.
 */
function securityHeaders(): RequestHandler {
  const forPages = helmet({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null } } });
  const forJson = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  return (req, res, next) => (req.url.startsWith('/api/') ? forJson : forPages)(req, res, next);
}

export type { INestApplication };
