import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import { formatSort, parseSort, type SortTerm } from './sort';

const ALLOWED = ['created_at', 'name', 'id'] as const;
const FALLBACK: SortTerm[] = [{ field: 'created_at', direction: 'desc' }];

function sortError(sort: string): AppError {
  try {
    parseSort(sort, ALLOWED, FALLBACK);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`parseSort accepted ${JSON.stringify(sort)}`);
}

describe('parseSort', () => {
  it('returns the fallback when sort is absent or blank', () => {
    expect(parseSort(undefined, ALLOWED, FALLBACK)).toBe(FALLBACK);
    expect(parseSort('', ALLOWED, FALLBACK)).toBe(FALLBACK);
    expect(parseSort('   ', ALLOWED, FALLBACK)).toBe(FALLBACK);
  });

  it('parses several terms in order with their directions', () => {
    expect(parseSort('name:asc,created_at:desc', ALLOWED, FALLBACK)).toEqual([
      { field: 'name', direction: 'asc' },
      { field: 'created_at', direction: 'desc' },
    ]);
  });

  it('defaults a term without direction to asc', () => {
    expect(parseSort('name', ALLOWED, FALLBACK)).toEqual([{ field: 'name', direction: 'asc' }]);
  });

  it('accepts upper-case directions and spaces around terms', () => {
    expect(parseSort(' name:DESC , id:Asc ', ALLOWED, FALLBACK)).toEqual([
      { field: 'name', direction: 'desc' },
      { field: 'id', direction: 'asc' },
    ]);
  });

  it('refuses an unknown field with 400 VAL_INVALID_QUERY naming sort and listing the allowed fields', () => {
    const err = sortError('key_hash:asc');
    expect(err.code).toBe(ErrorCode.VAL_INVALID_QUERY);
    expect(err.status).toBe(400);
    expect(err.details).toEqual([expect.objectContaining({ field: 'sort', value: 'key_hash:asc', message: expect.stringContaining('created_at, name, id') })]);
  });

  it('refuses a known field among unknown ones rather than ignoring the unknown', () => {
    expect(sortError('name:asc,colour:desc').details?.[0]).toMatchObject({ field: 'sort', value: 'colour:desc' });
  });

  it.each(['name:up', 'name:asc:desc', ':asc', 'name;drop', 'name,', ',name', 'na me', "name:asc'--"])('refuses the malformed sort %j', (sort) => {
    expect(sortError(sort).code).toBe(ErrorCode.VAL_INVALID_QUERY);
  });

  it('refuses a field given twice', () => {
    const err = sortError('name:asc,name:desc');
    expect(err.code).toBe(ErrorCode.VAL_INVALID_QUERY);
    expect(err.details?.[0].message).toContain('name appears twice');
  });

  it('formatSort writes terms back in the form parseSort reads', () => {
    const terms = parseSort('name,created_at:desc', ALLOWED, FALLBACK);
    expect(formatSort(terms)).toBe('name:asc,created_at:desc');
    expect(parseSort(formatSort(terms), ALLOWED, FALLBACK)).toEqual(terms);
  });
});
