import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CheckRecorder, CheckRecordHooks, ChecksModule } from '@vigil/checks';
import { ConfigModule, loadConfig, type VigilConfig } from '@vigil/config';
import { DatabaseModule } from '@vigil/database';
import { EndpointsService } from '@vigil/endpoints';
import { EventsModule } from '@vigil/events';
import { RedisModule } from '@vigil/redis';
import { RollupCompactionService, UptimeModule, UptimeQueryRepository, UptimeRollupsRepository, UptimeService } from '@vigil/uptime';
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
  config: VigilConfig;
  rollups: UptimeRollupsRepository;
  /** The compaction job without its timer: suites run it with runOnce(now), on their own clock. */
  compaction: RollupCompactionService;
  queries: UptimeQueryRepository;
  uptime: UptimeService;
  close(): Promise<void>;
}

/**
 * The write path of a worker (config, database with every migration, events in process, ChecksModule and
 * UptimeModule with its record hook registered), without the scheduler and the periodic jobs: suites store
 * results and run the compaction themselves.
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
  const rollups = app.get(UptimeRollupsRepository);
  return {
    db,
    dataSource,
    sql: (text, params) => dataSource.query(text, params),
    recorder: app.get(CheckRecorder),
    hooks: app.get(CheckRecordHooks),
    endpoints: app.get(EndpointsService, { strict: false }),
    config,
    rollups,
    compaction: new RollupCompactionService(dataSource, config, rollups),
    queries: app.get(UptimeQueryRepository),
    uptime: app.get(UptimeService),
    async close() {
      await app.close().catch(() => undefined);
      await db.drop();
    },
  };
}
