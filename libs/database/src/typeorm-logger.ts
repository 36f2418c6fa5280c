import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/**
 * TypeORM's messages go through the application logger (pino: JSON lines, LOG_LEVEL), never straight to
 * the console as TypeORM's default logger does. Parameters are never logged (they can carry secrets).
 */
export class TypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('TypeORM');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    // Whoever ran the query decides what the failure means and logs it with the request id (5xx causes in
    // the exception filter); the SQL itself is detail for debugging.
    this.logger.debug({ err: error, query, msg: 'query failed' });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query, duration_ms: time, msg: 'slow query' });
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else this.logger.log(message);
  }
}
