import { ValidateBy, type ValidationOptions } from 'class-validator';

const CONTROL_CHARACTER = /\p{Cc}/u;

/** True for a string holding a control character (U+0000-U+001F, U+007F-U+009F): a bell or line break in a name breaks logs and listings. */
export function hasControlCharacter(value: unknown): boolean {
  return typeof value === 'string' && CONTROL_CHARACTER.test(value);
}

/** The rule for every name the API stores (endpoints, maintenance windows, API keys): no control characters. */
export const IsCleanName = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isCleanName',
      validator: {
        validate: (value) => !hasControlCharacter(value),
        defaultMessage: (args) => `${args!.property} must not contain control characters`,
      },
    },
    options,
  );
