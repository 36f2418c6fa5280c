import type { ValidationError } from '@nestjs/common';
import type { ErrorDetail } from '../errors/app-error';

const SECRET_FIELD = /key|secret|token|password|authorization/i;

/** A refused value as a detail may show it: short scalars only, and nothing from a field named like a secret. */
export function shownValue(field: string, value: unknown): unknown {
  if (SECRET_FIELD.test(field)) return undefined;
  if (typeof value === 'string') return value.length > 100 ? `${value.slice(0, 100)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return undefined;
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const e of errors) {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      const text = message.replace(/^property (\S+) should not exist$/, 'unknown field $1 is not allowed');
      details.push({ field, message: text, value: shownValue(field, e.value) });
    }
    if (e.children?.length) details.push(...flattenValidationErrors(e.children, field));
  }
  return details;
}
