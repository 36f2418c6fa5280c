import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CheckRecorder, CheckRecordHooks, ChecksModule } from '@vigil/checks';
import { ConfigModule, loadConfig } from '@vigil/config';
import { DatabaseModule } from '@vigil/database';
import { EndpointsService } from '@vigil/endpoints';
import { EventsModule } from '@vigil/events';
import { RedisModule } from '@vigil/redis';
import { UptimeModule, UptimeQueryRepository, UptimeRollupsRepository, UptimeService } from '@vigil/uptime';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';
import type { Sql } from './uptime-fixtures';

export interface RollupContext {
  db: TestDatabase;
  dataSource: DataSource;
  sql: Sql;
  recorder: CheckRecorder;
  hooks: CheckRecordHooks;
  /** The Endpoints module's service (removing an endpoint takes its results and rollups). */
  endpoints: EndpointsService;
  rollups: UptimeRollupsRepository;
  queries: UptimeQueryRepository;
  uptime: UptimeService;
  close(): Promise<void>;
}

/**
 * The write path of a worker (config, database with every migration, events in process, ChecksModule and
 * UptimeModule with its record hook registered), without the scheduler: suites store results themselves.
 */
export async function startRollupContext(): Promise<RollupContext> {
  Logger.overrideLogger(false);
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, DATABASE_POOL_SIZE: '12' });
  const app = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), RedisModule, EventsModule, DatabaseModule, ChecksModule, UptimeModule],
  }).compile();
  await app.init();
  const dataSource = app.get(DataSource);
  return {
    db,
    dataSource,
    sql: (text, params) => dataSource.query(text, params),
    recorder: app.get(CheckRecorder),
    hooks: app.get(CheckRecordHooks),
    endpoints: app.get(EndpointsService, { strict: false }),
    rollups: app.get(UptimeRollupsRepository),
    queries: app.get(UptimeQueryRepository),
    uptime: app.get(UptimeService),
    async close() {
      await app.close().catch(() => undefined);
      await db.drop();
    },
  };
}
