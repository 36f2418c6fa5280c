import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from '@vigil/common';

/** Incident ids are positive bigints (as decimal strings); anything else is a 422 naming the parameter, never a database error. */
@Injectable()
export class ParseIncidentIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    // 18 digits stay below 2^63 - 1, the largest bigint.
    if (typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value)) return value;
    const field = metadata.data ?? 'id';
    throw new AppError(ErrorCode.VAL_ERROR, `${field} must be a positive integer`, [
      { field, message: `${field} must be a positive integer`, value: String(value).slice(0, 100) },
    ]);
  }
}
