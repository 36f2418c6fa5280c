/** What pgArrayLiteral encodes: null and undefined are SQL NULL. */
export type PgArrayElement = string | number | boolean | null | undefined;

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * A one-dimensional PostgreSQL array literal (`{"a","b",NULL,1.5,t}`) for a `$n::type[]` parameter. pg encodes a
 * JS array the same way, but element by element with string concatenation; on statements that carry one array
 * per column for hundreds of rows (the check writer's), building it in one join allocates a fraction as much.
 * Strings are always quoted, so empty strings, `NULL`, commas and braces stay text.
 */
export function pgArrayLiteral(values: readonly PgArrayElement[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v === 'boolean') parts[i] = v ? 't' : 'f';
    else if (typeof v === 'number') parts[i] = Number.isFinite(v) ? String(v) : `"${v}"`;
    else parts[i] = NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPED, '\\$&')}"` : `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}
