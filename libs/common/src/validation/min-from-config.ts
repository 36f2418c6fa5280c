import type { ValidationError } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import type { VigilConfig } from '@vigil/config';
import { getMetadataStorage, registerDecorator } from 'class-validator';
import type { ErrorDetail } from '../errors/app-error';
import { refusedDtoCheck } from './refused-dto-checks';
import { flattenValidationErrors, shownValue } from './validation-details';

/** The dotted paths of the numbers in VigilConfig (`checks.minIntervalS`). */
type NumberPaths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends number
    ? `${P}${K}`
    : T[K] extends readonly unknown[]
      ? never
      : T[K] extends object
        ? NumberPaths<T[K], `${P}${K}.`>
        : never;
}[keyof T & string];
export type ConfigNumberPath = NumberPaths<VigilConfig>;

const CONSTRAINT = 'minFromConfig';
/** Where the OpenAPI schema of a field carries its path until buildOpenApiDocument puts the configured value there. */
const SCHEMA_MARK = 'x-vigil-minimum-from';

export function readConfigNumber(config: VigilConfig, path: ConfigNumberPath): number {
  return path.split('.').reduce<any>((node, key) => node[key], config) as number;
}

/**
 * The least value of a numeric field, read from the configuration (CHECK_MIN_INTERVAL_S...), which class-validator's
 * @Min cannot hold: decorators are fixed when a class loads, and one process may run apps with different
 * configurations. Declared once on the DTO, it is
 * - checked by VigilValidationPipe (and the monitors file) when the DTO refuses other fields of a body, so one
 *   answer lists every problem (refusedDtoDetails);
 * - checked by the feature's own rules on what would be stored, defaults and current values filled in
 *   (configuredMinimumProblems), where it is reported with the rules across fields;
 * - the field's `minimum` in the OpenAPI document (applyConfiguredMinimums).
 * It is class-validator metadata (with a check that always passes), so PartialType and subclasses inherit it.
 */
export function MinFromConfig(path: ConfigNumberPath): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: CONSTRAINT,
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [path],
      validator: { validate: () => true },
    });
    ApiProperty({ [SCHEMA_MARK]: path } as ApiPropertyOptions)(target, propertyName);
  };
}

type DtoClass = abstract new (...args: never[]) => object;

const minimumsByClass = new WeakMap<DtoClass, Array<{ property: string; path: ConfigNumberPath }>>();

function minimumsOf(metatype: DtoClass): Array<{ property: string; path: ConfigNumberPath }> {
  let found = minimumsByClass.get(metatype);
  if (!found) {
    found = getMetadataStorage()
      .getTargetValidationMetadatas(metatype, '', false, false)
      .filter((m) => m.name === CONSTRAINT)
      .map((m) => ({ property: m.propertyName, path: m.constraints[0] as ConfigNumberPath }));
    minimumsByClass.set(metatype, found);
  }
  return found;
}

/**
 * The fields of `values` below the minimums `metatype` declares with @MinFromConfig, each named `<prefix><field>`
 * with class-validator's @Min message (`interval must not be less than 10`). Values that are not numbers are left
 * to the DTO's own checks.
 */
export function configuredMinimumProblems(metatype: DtoClass, values: object, config: VigilConfig, prefix = ''): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  for (const { property, path } of minimumsOf(metatype)) {
    const value: unknown = (values as Record<string, unknown>)[property];
    const min = readConfigNumber(config, path);
    const field = `${prefix}${property}`;
    if (typeof value === 'number' && value < min) {
      problems.push({ field, message: `${property} must not be less than ${min}`, value: shownValue(field, value) });
    }
  }
  return problems;
}

/** An instance of a DTO class (class-transformer builds them for nested DTOs), not a plain object such as a header map. */
function isDto(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto !== Object.prototype && proto !== null;
}

/**
 * What the fields of `dto` that were not refused get wrong beyond their own checks, and the same for every DTO
 * nested in it (bulk items), named as flattenValidationErrors names fields: the configured minimums, then the
 * feature's rules registered for its class (registerRefusedDtoCheck).
 */
function nestedRuleProblems(dto: object, config: VigilConfig, parent: string, refused: ReadonlySet<string>): ErrorDetail[] {
  const prefix = parent ? `${parent}.` : '';
  const problems = configuredMinimumProblems(dto.constructor as DtoClass, dto, config, prefix);
  const check = refusedDtoCheck(config, dto.constructor as DtoClass);
  if (check) {
    const isRefused = (field: string) => {
      const name = `${prefix}${field}`;
      for (const r of refused) if (r === name || r.startsWith(`${name}.`) || r.startsWith(`${name}[`)) return true;
      return false;
    };
    problems.push(...check(dto, isRefused, prefix));
  }
  for (const [key, value] of Object.entries(dto)) {
    const field = parent ? `${parent}.${key}` : key;
    if (isDto(value)) problems.push(...nestedRuleProblems(value, config, field, refused));
    else if (Array.isArray(value)) value.forEach((item, i) => isDto(item) && problems.push(...nestedRuleProblems(item, config, `${field}[${i}]`, refused)));
  }
  return problems;
}

/**
 * The details of a DTO class-validator refused: its errors, then what the fields it did not refuse get wrong
 * beyond their own checks: configured minimums, and the rules a feature registered for the DTO's class. Without
 * this, a body with a bad method and `interval: 5` got the method error, and the interval's only once the method
 * was fixed.
 */
export function refusedDtoDetails(errors: ValidationError[], dto: object | undefined, config: VigilConfig, parent = ''): ErrorDetail[] {
  const details = flattenValidationErrors(errors, parent);
  if (!isDto(dto)) return details;
  const refused = new Set(details.flatMap((d) => (d.field ? [d.field] : [])));
  return [...details, ...nestedRuleProblems(dto, config, parent, refused).filter((d) => !d.field || !refused.has(d.field))];
}

/** Puts the configured value of every @MinFromConfig field of an OpenAPI document into its schema's `minimum`. */
export function applyConfiguredMinimums(doc: object, config: VigilConfig): void {
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Record<string, unknown>;
    if (typeof schema[SCHEMA_MARK] === 'string') {
      schema.minimum = readConfigNumber(config, schema[SCHEMA_MARK] as ConfigNumberPath);
      delete schema[SCHEMA_MARK];
    }
    Object.values(schema).forEach(visit);
  };
  visit(doc);
}
