export * from './endpoint-definition';
export { EndpointEntity } from './endpoint.entity';
export { EndpointsModule } from './endpoints.module';
