import { type ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import { refusedDtoDetails } from './min-from-config';

/**
 * Global validation: whitelisted DTOs (an unknown field is an error naming it), transformed to their
 * types. Body errors are 422 VAL_ERROR / VAL_MULTIPLE_ERRORS; query and path errors are 400 VAL_INVALID_QUERY.
 * A refused DTO's details also list the configured minimums (@MinFromConfig) its other fields fall below.
 */
@Injectable()
export class VigilValidationPipe extends ValidationPipe {
  constructor(config: VigilConfig) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // An error's target is the object it was found in: for a top-level one, the DTO the minimums are read from.
      validationError: { target: true, value: true },
      exceptionFactory: (errors: ValidationError[]) =>
        new AppError(ErrorCode.VAL_MULTIPLE_ERRORS, undefined, refusedDtoDetails(errors, errors.find((e) => e.target)?.target, config)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && (value === undefined || value === null) && metadata.metatype && this.toValidate(metadata)) {
      value = {};
    }
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      if (!(err instanceof AppError) || !err.details) throw err;
      if (metadata.type === 'query' || metadata.type === 'param') {
        throw new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid query parameters', err.details);
      }
      const code = err.details.length === 1 ? ErrorCode.VAL_ERROR : ErrorCode.VAL_MULTIPLE_ERRORS;
      throw new AppError(code, 'Request validation failed', err.details);
    }
  }
}
