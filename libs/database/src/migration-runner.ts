import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { DataSource } from 'typeorm';

/** Arbitrary, fixed: every Vigil process takes the same lock so only one migrates at a time. */
const MIGRATION_LOCK = 727_001;

@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: VigilConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.database.migrationsRun) {
      this.logger.log('DATABASE_MIGRATIONS_RUN=false: not running migrations');
      return;
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length) this.logger.log(`applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  }
}
