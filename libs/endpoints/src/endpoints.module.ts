import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EndpointEntity } from './endpoint.entity';

/** Endpoints: definitions (CRUD, v1 and v2), their derived status and their schedule. */
@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity])],
  controllers: [],
  providers: [],
  exports: [],
})
export class EndpointsModule {}
