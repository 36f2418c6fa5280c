export class StatusCountsDto {
  /** @example 12 */
  total: number;
  /** @example 9 */
  up: number;
  /** @example 1 */
  down: number;
  /** @example 1 */
  degraded: number;
  /** @example 1 */
  paused: number;
  /** @example 0 */
  pending: number;
}

export class TagSummaryDto extends StatusCountsDto {
  /** @example "prod" */
  tag: string;
}

/** Counts by status over all endpoints (or those with `?tag=`), then per tag. */
export class EndpointSummaryDto extends StatusCountsDto {
  /** One entry per tag, by tag name; untagged endpoints count in the totals only. */
  tags: TagSummaryDto[];
}
