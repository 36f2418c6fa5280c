export { DatabaseHealth } from './database-health';
export { DatabaseModule } from './database.module';
export { redactUrl, resolveDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
export { InstallationSecret } from './installation-secret';
export { pgArrayLiteral, type PgArrayElement } from './pg-array-literal';
export { withSessionLock, type SessionLockRun } from './session-lock';
