import { Logger } from '@nestjs/common';
import { ConfigError } from '@vigil/config';

/**
 * On SIGTERM or SIGINT: runs `stop` (close the app, then the database) once, and exits 0 when it is done
 * or 1 when it takes longer than `timeoutMs`. Shared by every process root (API, worker).
 */
export function stopOnSignals(name: string, timeoutMs: number, stop: () => Promise<void>): void {
  const logger = new Logger(name);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping; finishing work in flight (at most ${timeoutMs} ms)`);
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    try {
      await stop();
    } finally {
      clearTimeout(deadline);
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** A process root that failed to start: a configuration error exits 78 with its message, anything else 1. */
export function exitOnStartFailure(what: string) {
  return (err: unknown): never => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${what} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
}
