import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Assertion } from '../endpoint-definition';
import { ASSERTION_TYPES } from '../endpoint-limits';
import { IsAssertionHeaderName, IsAssertionOperator, IsAssertionPath, IsAssertionValue } from './endpoint-validators';

/**
 * One condition a check's response must meet (all must hold). Which operators and values are allowed
 * depends on `type`; an invalid item is reported as `assertions[<index>].<field>`.
 */
export class AssertionDto {
  @ApiProperty({ enum: ASSERTION_TYPES, example: 'json_path' })
  @IsIn(ASSERTION_TYPES)
  type: Assertion['type'];

  @ApiProperty({
    description:
      'status: eq, ne, lt, lte, gt, gte, in; response_time: lt, lte; header: eq, contains, matches, exists; ' +
      'body: contains, not_contains, matches; json_path: eq, ne, lt, lte, gt, gte, contains, exists; tls_cert_days: gte, gt',
    example: 'eq',
  })
  @IsAssertionOperator()
  operator: string;

  /** Header assertions: the response header to test. @example "content-type" */
  @IsAssertionHeaderName()
  name?: string;

  /**
   * json_path assertions: where the value is, `$` then `.name`, `[0]`, `[-1]` (from the end) or `['any key']` steps,
   * e.g. `$.status`, `$.items[0].id`, `$.items.length`; at most 200 characters. @example "$.status"
   */
  @IsAssertionPath()
  path?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'array', items: { type: 'integer' } }],
    nullable: true,
    description:
      'What to compare with: a status code (a list for `in`), milliseconds for response_time, a string (a regular expression ' +
      'for `matches`), a JSON scalar for json_path, days for tls_cert_days. Left out with `exists`.',
    example: 'UP',
  })
  @IsAssertionValue()
  value?: unknown;
}
