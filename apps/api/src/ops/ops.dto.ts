import { ApiProperty } from '@nestjs/swagger';

export class ApiVersionInfoDto {
  /** @example "1" */
  version: string;
  @ApiProperty({ enum: ['active', 'maintenance', 'deprecated', 'removed'] })
  status: string;
  /** @example "/api/v1" */
  base_path: string;
  @ApiProperty({ type: String, nullable: true })
  sunset: string | null;
}

export class ServiceInfoDto {
  /** @example "Vigil" */
  name: string;
  /** @example "0.1.0" */
  version: string;
  description: string;
  api_versions: ApiVersionInfoDto[];
  links: Record<string, string>;
}

export class ReadinessChecksDto {
  @ApiProperty({ enum: ['up', 'down'] })
  database: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down', 'not_configured'] })
  redis: 'up' | 'down' | 'not_configured';
  /** The check scheduler of this process: `not_running` when checks run elsewhere (RUN_CHECKS=false). */
  @ApiProperty({ enum: ['up', 'down', 'not_running'] })
  scheduler: 'up' | 'down' | 'not_running';
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready'] })
  status: 'ready';
  checks: ReadinessChecksDto;
}
