import type { VigilConfig } from '@vigil/config';
import type { ErrorDetail } from '../errors/app-error';

type DtoClass = abstract new (...args: never[]) => object;

/**
 * A feature's own rules on a DTO class-validator refused, run on the fields it did not refuse: `refused(field)`
 * says whether a field (`url`, `assertions`, without the prefix) or anything inside it was refused, and `prefix`
 * names the item in the details (`create[3].`). It returns the problems those fields have, named with the prefix.
 */
export type RefusedDtoCheck = (dto: object, refused: (field: string) => boolean, prefix: string) => ErrorDetail[];

/** By configuration: one process may run apps with different configurations, each with its own rules. */
const checksByConfig = new WeakMap<VigilConfig, Map<DtoClass, RefusedDtoCheck>>();

/**
 * Registers `check` for DTOs of `metatype` and of classes extending it (a bulk item extending the PATCH body),
 * validated under `config` (VigilValidationPipe, the monitors file), so a refused body's answer lists every
 * problem at once instead of the rest only after the DTO errors are fixed.
 */
export function registerRefusedDtoCheck(config: VigilConfig, metatype: DtoClass, check: RefusedDtoCheck): void {
  let checks = checksByConfig.get(config);
  if (!checks) checksByConfig.set(config, (checks = new Map()));
  checks.set(metatype, check);
}

/** The check registered for `metatype` or the nearest class it extends. */
export function refusedDtoCheck(config: VigilConfig, metatype: DtoClass): RefusedDtoCheck | undefined {
  const checks = checksByConfig.get(config);
  if (!checks) return undefined;
  for (let c: unknown = metatype; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const check = checks.get(c as DtoClass);
    if (check) return check;
  }
  return undefined;
}
