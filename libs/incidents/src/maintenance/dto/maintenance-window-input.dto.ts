import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsCleanName, IsInstant } from '@vigil/common';
import { canonicalTimeZone, MAX_DURATION_MINUTES, weekdayNumber } from '../recurrence';

/** Same rule as endpoint tags (libs/endpoints TAG_PATTERN), so a window's tag can match an endpoint's. */
export const WINDOW_TAG_PATTERN = /^[a-z0-9][a-z0-9._:/=-]*$/;
export const START_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** Optional, but not null. */
const Defined = () => ValidateIf((_object, value) => value !== undefined);

function rule(name: string, problem: (value: unknown) => string | null): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) => problem(value) === null,
        defaultMessage: (args) => `${args!.property} ${problem(args!.value) ?? 'is invalid'}`,
      },
    });
}

const IsWeekdays = () =>
  rule('isWeekdays', (value) => {
    if (!Array.isArray(value)) return 'must be a list of days';
    const bad = value.find((d) => weekdayNumber(d) === null);
    return bad === undefined ? null : `must hold days 0-6 (0 = Sunday) or day names such as "mon"; got ${JSON.stringify(bad)?.slice(0, 40)}`;
  });

const IsTimeZone = () =>
  rule('isTimeZone', (value) => (typeof value === 'string' && canonicalTimeZone(value) ? null : 'must be an IANA time zone such as "Europe/Berlin" or "UTC"'));

/** A weekly recurrence as sent. */
export class RecurrenceInputDto {
  /** Days it starts on: 0-6 (0 = Sunday) or names (`sun`, `monday`...). @example ["sat", "sun"] */
  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'integer', minimum: 0, maximum: 6 }, { type: 'string' }] }, example: ['sat', 'sun'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsWeekdays()
  days: Array<number | string>;

  /** Local start time, 24-hour `HH:MM`. @example "02:00" */
  @IsString()
  @Matches(START_TIME_PATTERN, { message: 'start_time must be HH:MM (00:00-23:59)' })
  start_time: string;

  /** Length of each occurrence in minutes, elapsed time (1 to 10080, one week). @example 90 */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_DURATION_MINUTES })
  @IsInt()
  @Min(1)
  @Max(MAX_DURATION_MINUTES)
  duration_minutes: number;

  /** IANA time zone the start time is read in; DST is followed. @example "Europe/Berlin" */
  @IsString()
  @MaxLength(64)
  @IsTimeZone()
  time_zone: string;
}

/** PATCH: the recurrence fields sent replace those of a recurring window; the others stay. */
export class PatchRecurrenceInputDto {
  @ApiPropertyOptional({ type: 'array', items: { oneOf: [{ type: 'integer', minimum: 0, maximum: 6 }, { type: 'string' }] } })
  @Defined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsWeekdays()
  days?: Array<number | string>;

  @Defined()
  @IsString()
  @Matches(START_TIME_PATTERN, { message: 'start_time must be HH:MM (00:00-23:59)' })
  start_time?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_DURATION_MINUTES })
  @Defined()
  @IsInt()
  @Min(1)
  @Max(MAX_DURATION_MINUTES)
  duration_minutes?: number;

  @Defined()
  @IsString()
  @MaxLength(64)
  @IsTimeZone()
  time_zone?: string;
}

/** The scope and description fields shared by POST/PUT and PATCH. */
class WindowScopeFields {
  /** Free text. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  /** Scope: this endpoint only. Give exactly one of endpoint_id, tag, global. */
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID('all')
  endpoint_id?: string | null;

  /** Scope: every endpoint carrying this tag (lower-cased). @example "prod" */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 50 })
  @IsOptional()
  @Transform(lower)
  @IsString()
  @MaxLength(50)
  @Matches(WINDOW_TAG_PATTERN, { message: 'tag must start with a letter or digit and use only a-z 0-9 . _ : / = -' })
  tag?: string | null;

  /** Scope: every endpoint (`true`). */
  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  global?: boolean | null;

  /** One-off window: start (ISO 8601). Give starts_at and ends_at, or recurrence. @example "2026-12-01T02:00:00Z" */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsInstant()
  starts_at?: string | null;

  /** One-off window: end (ISO 8601), after starts_at, at most 366 days later. @example "2026-12-01T04:00:00Z" */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsInstant()
  ends_at?: string | null;
}

/** POST and PUT (PUT replaces the whole window). */
export class MaintenanceWindowInputDto extends WindowScopeFields {
  /** 1-200 characters, no control characters. @example "Weekly database maintenance" */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsCleanName()
  name: string;

  /** Weekly window; leave out for a one-off window. */
  @ApiPropertyOptional({ type: RecurrenceInputDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RecurrenceInputDto)
  recurrence?: RecurrenceInputDto | null;
}

/**
 * PATCH: only the fields sent change. Sending any scope field replaces the scope (send one); sending
 * starts_at/ends_at makes it one-off, recurrence makes it weekly (its fields merge into a weekly window's).
 */
export class PatchMaintenanceWindowDto extends WindowScopeFields {
  @Defined()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsCleanName()
  name?: string;

  @ApiPropertyOptional({ type: PatchRecurrenceInputDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PatchRecurrenceInputDto)
  recurrence?: PatchRecurrenceInputDto | null;
}
