import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EndpointsModule } from '@vigil/endpoints';
import { CheckRecorder } from './check-recorder';
import { CheckResultEntity } from './check-result.entity';
import { CheckResultsRepository } from './check-results.repository';
import { HttpChecker } from './checker';
import { ChecksService } from './checks.service';
import { CheckRecordHooks } from './record-hooks';
import { RunCheckController } from './run-check.controller';
import { ChecksV1Controller } from './v1/checks.controller';
import { ChecksV2Controller } from './v2/checks.controller';
import { WorkerIdentity } from './worker-identity';

/** Checks: the HTTP checker, check results and their routes (history, run a check now). */
@Module({
  imports: [EndpointsModule, TypeOrmModule.forFeature([CheckResultEntity])],
  controllers: [RunCheckController, ChecksV1Controller, ChecksV2Controller],
  providers: [HttpChecker, CheckResultsRepository, CheckRecorder, CheckRecordHooks, ChecksService, WorkerIdentity],
  exports: [HttpChecker, CheckRecorder, CheckRecordHooks, WorkerIdentity, ChecksService],
})
export class ChecksModule {}
