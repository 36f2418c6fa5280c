export { ConfigModule } from './config.module';
export { ConfigError, loadConfig, loadDotEnv } from './load-config';
export { VigilConfig, type ApiVersionPolicy, type VersionStatus } from './vigil-config';
