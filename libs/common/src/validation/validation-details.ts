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

/**
 * Constraints that check what kind of value a field holds. When one of them fails, the field's other
 * constraints were checked against a value of the wrong kind ("tags must contain no more than 20 elements"
 * for `"tags": "x"`): only the kind is reported.
 */
const KIND_CONSTRAINTS = ['isArray', 'isObject'] as const;

/** The messages worth showing of one field's failed constraints. */
function shownMessages(constraints: Record<string, string> | undefined): string[] {
  if (!constraints) return [];
  const kind = KIND_CONSTRAINTS.find((name) => name in constraints);
  if (kind) {
    // Whether the field is allowed at all still counts; everything else was about the wrong kind of value.
    return Object.entries(constraints)
      .filter(([name]) => name === kind || name === 'whitelistValidation' || name === 'isDefined')
      .map(([, message]) => message);
  }
  return Object.values(constraints);
}

/** class-validator's errors as envelope details, one per failed constraint, fields named as paths (`items[2].url`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const e of errors) {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    for (const message of shownMessages(e.constraints)) {
      const text = message.replace(/^property (\S+) should not exist$/, 'unknown field $1 is not allowed');
      details.push({ field, message: text, value: shownValue(field, e.value) });
    }
    if (e.children?.length) details.push(...flattenValidationErrors(e.children, field));
  }
  return details;
}
