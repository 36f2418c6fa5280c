import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCleanName, IsFiniteNumber, MinFromConfig } from '@vigil/common';
import { type ExpectedStatus, HTTP_METHODS, type HttpMethod } from '../endpoint-definition';
import { ENDPOINT_LIMITS as L, TAG_PATTERN } from '../endpoint-limits';
import { AssertionDto } from './assertion.dto';
import { Defined, IsExpectedStatus, IsHeaderMap, IsRequestBody, IsTargetUrl } from './endpoint-validators';
import { RetryPolicyDto } from './retry-policy.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const lowerEach = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((t) => (typeof t === 'string' ? t.trim().toLowerCase() : t)) : value);

/**
 * An endpoint definition, as sent to POST and PUT (PUT replaces: a field left out takes its default) and
 * as written in a monitors file. Field names follow the seed's YAML format.
 */
export class CreateEndpointDto {
  /** Unique name (1-200 characters). @example "Billing API" */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(L.nameMaxLength)
  @IsCleanName()
  name: string;

  /**
   * The http or https URL to check (no credentials in it). A literal loopback, private, link-local or
   * metadata address is refused unless VIGIL_TARGET_ALLOWLIST covers it. @example "https://api.example.com/health"
   */
  @IsTargetUrl()
  url: string;

  @ApiPropertyOptional({ enum: HTTP_METHODS, default: 'GET', example: 'GET' })
  @Defined()
  @Transform(upper)
  @IsIn(HTTP_METHODS)
  method?: HttpMethod;

  /** Seconds between checks: at least CHECK_MIN_INTERVAL_S (default 10), at most 86400. Default 60. @example 60 */
  @ApiPropertyOptional({ type: 'integer' })
  @Defined()
  @IsInt()
  @MinFromConfig('checks.minIntervalS')
  @Max(L.intervalMaxS)
  interval?: number;

  /**
   * Seconds one attempt may take: more than 0 (fractions allowed, e.g. 2.5), less than the interval, at
   * most 60. Default 5, or half the interval when that is shorter. @example 5
   */
  @Defined()
  @IsFiniteNumber({ maxDecimalPlaces: 3 })
  @Min(0.001)
  @Max(L.timeoutMaxS)
  timeout?: number;

  @ApiPropertyOptional({
    description: 'The status codes that count as success: a code, a class such as "2xx", or a list mixing both. Default 200.',
    oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[1-5]xx$' }, { type: 'array', items: { oneOf: [{ type: 'integer' }, { type: 'string' }] } }],
    example: [200, 204],
  })
  @Defined()
  @IsExpectedStatus()
  expected_status?: ExpectedStatus;

  @ApiPropertyOptional({
    description:
      'Request headers (at most 50). Values of credential-like headers (Authorization, Proxy-Authorization, Cookie, Set-Cookie, ' +
      'and any name containing key, token, secret, password, auth, session, credential or signature) are stored but always ' +
      'shown masked ("***", or "Bearer ***"). Sending a masked value back keeps the stored secret.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Accept: 'application/json', Authorization: 'Bearer ***' },
  })
  @Defined()
  @IsHeaderMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'Request body: a string, or a JSON object sent as JSON (Content-Type: application/json is added when no Content-Type header is set). ' +
      'At most 64 KiB; not allowed with GET or HEAD. Stored and shown as a string.',
    oneOf: [{ type: 'string' }, { type: 'object' }],
    nullable: true,
    example: '{"ping":"test"}',
  })
  @IsOptional()
  @IsRequestBody()
  body?: string | Record<string, unknown> | null;

  /** false: the endpoint exists but is paused (not checked). Default true. @example true */
  @Defined()
  @IsBoolean()
  is_active?: boolean;

  /** Labels (lower-cased, at most 20, each 1-50 of a-z 0-9 . _ : / = -). @example ["prod", "team:payments"] */
  @Defined()
  @Transform(lowerEach)
  @IsArray()
  @ArrayMaxSize(L.tagsMaxCount)
  @IsString({ each: true })
  @MaxLength(L.tagMaxLength, { each: true })
  @Matches(TAG_PATTERN, { each: true, message: 'each tag must start with a letter or digit and use only a-z 0-9 . _ : / = -' })
  tags?: string[];

  /** Retries inside one check. Default: no retry (`{count: 0, initial_backoff_ms: 500, factor: 2}`). */
  @Defined()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryPolicyDto)
  retry?: RetryPolicyDto;

  /** Conditions the response must meet, besides expected_status (at most 20). */
  @Defined()
  @IsArray()
  @ArrayMaxSize(L.assertionsMaxCount)
  // ValidateNested walks into an item that is itself an array instead of refusing it.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => AssertionDto)
  assertions?: AssertionDto[];
}
