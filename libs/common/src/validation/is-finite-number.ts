import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A finite number with at most `maxDecimalPlaces` digits after the point. class-validator's IsNumber
 * counts them by splitting `String(value)` at the point, which throws for what JavaScript prints in
 * exponent form (1e-7, 5e-324): that was a 500 for `?target=1e-7` or `"timeout": 1e-25`.
 */
export function isFiniteNumber(value: unknown, maxDecimalPlaces: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(maxDecimalPlaces)) === value;
}

export const IsFiniteNumber = (options: { maxDecimalPlaces: number }, validationOptions?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isFiniteNumber',
      constraints: [options.maxDecimalPlaces],
      validator: {
        validate: (value) => isFiniteNumber(value, options.maxDecimalPlaces),
        defaultMessage: (args) => `${args!.property} must be a number with at most ${options.maxDecimalPlaces} decimal places`,
      },
    },
    validationOptions,
  );
