import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from '@vigil/common';

/** Same rule as endpoint tags (libs/endpoints TAG_PATTERN, at most 50 characters), lower-cased. */
const TAG = /^[a-z0-9][a-z0-9._:/=-]{0,49}$/;

/** A tag in the path; anything that cannot be a tag is a 422 naming the parameter. */
@Injectable()
export class ParseTagPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const tag = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (TAG.test(tag)) return tag;
    const field = metadata.data ?? 'tag';
    throw new AppError(ErrorCode.VAL_ERROR, `${field} is not a valid tag`, [
      { field, message: `${field} must be 1-50 of a-z 0-9 . _ : / = - starting with a letter or digit`, value: String(value).slice(0, 100) },
    ]);
  }
}
