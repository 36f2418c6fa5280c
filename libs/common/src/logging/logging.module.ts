import { type DynamicModule, Module } from '@nestjs/common';
import type { VigilConfig } from '@vigil/config';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';

/** JSON logs through pino; every line logged while serving a request carries its request_id. */
@Module({})
export class LoggingModule {
  static forRoot(config: VigilConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
            customAttributeKeys: { reqId: 'request_id' },
            autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
            redact: ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'],
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
            },
          },
          // LOG_LEVEL=silent: no per-request logger is built at all (it would cost every request and log nothing).
          forRoutes: config.logLevel === 'silent' ? [] : ['*path'],
        }),
      ],
    };
  }
}
