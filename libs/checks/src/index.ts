export * from './check-types';
export { CheckSchedulerModule } from './check-scheduler.module';
export { ChecksModule } from './checks.module';
