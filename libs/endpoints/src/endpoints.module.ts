import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VigilConfig } from '@vigil/config';
import { EndpointEntity } from './endpoint.entity';
import { EndpointRules } from './endpoint-rules';
import { EndpointScheduleRepository } from './endpoint-schedule.repository';
import { EndpointsRepository } from './endpoints.repository';
import { EndpointsService } from './endpoints.service';
import { MonitorsFileService } from './monitors-file.service';
import { MonitorsFileStartup } from './monitors-file-startup';
import { TargetPolicy } from './target-policy';
import { EndpointsV1Controller } from './v1/endpoints.controller';
import { EndpointsV2Controller } from './v2/endpoints.controller';

/** Endpoints: definitions (CRUD, v1 and v2), their derived status and their schedule. */
@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity])],
  controllers: [EndpointsV1Controller, EndpointsV2Controller],
  providers: [
    EndpointScheduleRepository,
    EndpointsRepository,
    EndpointRules,
    EndpointsService,
    MonitorsFileService,
    MonitorsFileStartup,
    { provide: TargetPolicy, inject: [VigilConfig], useFactory: (config: VigilConfig) => new TargetPolicy(config.checks.targetAllowlist) },
  ],
  exports: [EndpointScheduleRepository, EndpointsService, MonitorsFileService, TargetPolicy],
})
export class EndpointsModule {}
