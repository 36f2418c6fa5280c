import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VigilConfig } from '@vigil/config';
import { MIGRATIONS } from '@vigil/migrations';
import { DatabaseHealth } from './database-health';
import { InstallationSecret } from './installation-secret';
import { MigrationRunner } from './migration-runner';
import { TypeOrmLogger } from './typeorm-logger';

/**
 * The PostgreSQL connection (TypeORM + pg). Schema changes come only from migrations in migrations/,
 * run at start under an advisory lock unless DATABASE_MIGRATIONS_RUN=false; never `synchronize`.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [VigilConfig],
      useFactory: (config: VigilConfig) => {
        if (!config.database.url) throw new Error('database.url is unset: start the embedded PostgreSQL before creating the app');
        return {
          type: 'postgres' as const,
          url: config.database.url,
          autoLoadEntities: true,
          migrations: MIGRATIONS,
          migrationsRun: false,
          synchronize: false,
          logging: ['error' as const, 'warn' as const],
          logger: new TypeOrmLogger(),
          extra: {
            max: config.database.poolSize,
            connectionTimeoutMillis: config.database.connectTimeoutMs,
            application_name: 'vigil',
          },
          retryAttempts: 3,
          retryDelay: 1000,
        };
      },
    }),
  ],
  providers: [MigrationRunner, DatabaseHealth, InstallationSecret],
  exports: [DatabaseHealth, InstallationSecret],
})
export class DatabaseModule {}
