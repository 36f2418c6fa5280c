import type { ValidationError } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsNotEmptyObject, IsObject, IsString, MaxLength, validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { flattenValidationErrors } from './validation-details';

class Labelled {
  @IsArray()
  @ArrayMaxSize(2)
  @IsString({ each: true })
  @MaxLength(3, { each: true })
  tags: unknown;

  @IsObject()
  @IsNotEmptyObject()
  meta: unknown;
}

const details = (body: object) =>
  flattenValidationErrors(validateSync(plainToInstance(Labelled, body), { whitelist: true, forbidNonWhitelisted: true }) as ValidationError[]);

describe('flattenValidationErrors', () => {
  it('reports only the kind when a field holds the wrong kind of value, not the checks that assumed the right one', () => {
    expect(details({ tags: 'x', meta: { a: 1 } })).toEqual([{ field: 'tags', message: 'tags must be an array', value: 'x' }]);
    expect(details({ tags: 7, meta: { a: 1 } })).toEqual([{ field: 'tags', message: 'tags must be an array', value: 7 }]);
    expect(details({ tags: [], meta: 'long text' })).toEqual([{ field: 'meta', message: 'meta must be an object', value: 'long text' }]);
  });

  it('reports every failed check of a value of the right kind', () => {
    expect(
      details({ tags: ['a', 5, 'long', 'd'], meta: { a: 1 } })
        .map((d) => d.message)
        .sort(),
    ).toEqual([
      'each value in tags must be a string',
      'each value in tags must be shorter than or equal to 3 characters',
      'tags must contain no more than 2 elements',
    ]);
  });

  it('still names fields that are not allowed at all', () => {
    expect(details({ tags: [], meta: { a: 1 }, extra: 1 })).toEqual([{ field: 'extra', message: 'unknown field extra is not allowed', value: 1 }]);
  });
});
