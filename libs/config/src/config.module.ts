import { type DynamicModule, Global, Module } from '@nestjs/common';
import { VigilConfig } from './vigil-config';

/** Makes the one VigilConfig object injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: VigilConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: VigilConfig, useValue: config }], exports: [VigilConfig] };
  }
}
