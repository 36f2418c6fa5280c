import 'reflect-metadata';
import { ApiKeyEntity } from '@vigil/auth';
import { loadConfig, loadDotEnv } from '@vigil/config';
import { CheckResultEntity } from '@vigil/checks';
import { EndpointEntity } from '@vigil/endpoints';
import { IncidentEntity, IncidentEventEntity, MaintenanceWindowEntity } from '@vigil/incidents';
import { MIGRATIONS } from '@vigil/migrations';
import { DataSource } from 'typeorm';

/**
 * For the TypeORM CLI (npm run migration:generate|run|revert). Without DATABASE_URL it points at the
 * embedded PostgreSQL, which must be running (npm start starts it).
 */
loadDotEnv();
const config = loadConfig();

export default new DataSource({
  type: 'postgres',
  url: config.database.url ?? `postgres://postgres:vigil-embedded@127.0.0.1:${config.database.embeddedPort}/vigil`,
  entities: [ApiKeyEntity, EndpointEntity, CheckResultEntity, IncidentEntity, IncidentEventEntity, MaintenanceWindowEntity],
  migrations: MIGRATIONS,
  synchronize: false,
});
