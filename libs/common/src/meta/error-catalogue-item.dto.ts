export class ErrorCatalogueItemDto {
  /** Stable machine-readable code. @example "VAL_MULTIPLE_ERRORS" */
  code: string;
  /** HTTP status that carries it. @example 422 */
  status: number;
  /** Default message. */
  message: string;
  /** When it happens and what to do. */
  description: string;
  /** Where it is documented. @example "/docs/errors#val-multiple-errors" */
  help_url: string;
}
