export * from './parse-id.pipe';
export * from './vigil-validation.pipe';
export * from './validation-details';
export * from './min-from-config';
export * from './is-instant';
export * from './is-finite-number';
export * from './is-clean-name';
export * from './refused-dto-checks';
