import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { ENDPOINT_LIMITS as L } from '../endpoint-limits';
import { Defined } from './endpoint-validators';

/** Retries inside one check, with exponential backoff (each wait jittered by ±20 %). Missing fields take their defaults. */
export class RetryPolicyDto {
  /** Extra attempts after the first (0-5). @example 2 */
  @Defined()
  @IsInt()
  @Min(0)
  @Max(L.retryMaxCount)
  count?: number;

  /** Wait before the first retry, ms (0-60000). @example 500 */
  @Defined()
  @IsInt()
  @Min(0)
  @Max(L.retryMaxInitialBackoffMs)
  initial_backoff_ms?: number;

  /** Each later wait is the previous one times this (1-10). @example 2 */
  @Defined()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(L.retryMaxFactor)
  factor?: number;
}
