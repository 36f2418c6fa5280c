import { type ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import { flattenValidationErrors } from './validation-details';

/**
 * Global validation: whitelisted DTOs (an unknown field is an error naming it), transformed to their
 * types. Body errors are 422 VAL_ERROR / VAL_MULTIPLE_ERRORS; query and path errors are 400 VAL_INVALID_QUERY.
 */
@Injectable()
export class VigilValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: true },
      exceptionFactory: (errors: ValidationError[]) => new AppError(ErrorCode.VAL_MULTIPLE_ERRORS, undefined, flattenValidationErrors(errors)),
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
