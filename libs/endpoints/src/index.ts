export * from './endpoint-definition';
export { evaluateJsonPath, JsonPathError, type JsonPathResult, type JsonPathSegment, parseJsonPath } from './json-path';
export { EndpointEntity } from './endpoint.entity';
export { EndpointsModule } from './endpoints.module';
export {
  EndpointScheduleRepository,
  type EndpointState,
  type OwnedEndpoint,
  type OwnedSlot,
  type PoolStats,
  type ScheduledEndpoint,
  type EndpointStateUpdate,
} from './endpoint-schedule.repository';
export { EndpointsService } from './endpoints.service';
export type { StatusCounts } from './endpoints.repository';
export { firstSlotAfter, nextSlot, slotOffsetMs } from './schedule-slots';
export { isSecretHeader, maskHeaders } from './header-masking';
export { formatPlan, MonitorsFileService, type MonitorsPlan } from './monitors-file.service';
export { toEndpointDto, toEndpointV2Dto } from './endpoint.mapper';
export { TargetPolicy } from './target-policy';
