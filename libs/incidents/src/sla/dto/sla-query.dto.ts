import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsPositive, IsString, Max } from 'class-validator';
import { IsFiniteNumber } from '@vigil/common';

export class SlaQueryDto {
  /** The UTC calendar month, `YYYY-MM`; not in the future. @example "2026-11" */
  @IsString()
  month: string;

  /** The SLA target in percent, above 0 and at most 100 (default 99.9). */
  @ApiPropertyOptional({ type: Number, default: 99.9, example: 99.9, minimum: 0, exclusiveMinimum: true, maximum: 100 })
  @Type(() => Number)
  @IsFiniteNumber({ maxDecimalPlaces: 6 })
  @IsPositive()
  @Max(100)
  target?: number = 99.9;
}
