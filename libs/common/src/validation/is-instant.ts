import { isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

const SIGNED_YEAR = /^[+-]/;

/**
 * An ISO 8601 date or date-time that `new Date()` reads as written. IsISO8601 alone also passes forms
 * JavaScript cannot read (week dates `2026-W01`, basic format `20261201`, an hour alone `2026-12-01T10`,
 * comma fractions), which became an Invalid Date downstream (a 500 or a database error), and signed years
 * (`-2026-12-01`), which Date.parse reads as year 2026.
 */
export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && !SIGNED_YEAR.test(value) && isISO8601(value, { strict: true }) && Number.isFinite(Date.parse(value));
}

/** Validates an instant sent as a string (query or body); see isInstant. */
export const IsInstant = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value) => isInstant(value),
        defaultMessage: (args) => `${args!.property} must be an ISO 8601 date or date-time such as 2026-11-24 or 2026-11-24T10:00:00Z`,
      },
    },
    options,
  );
