export * from './app-error';
export * from './error-catalogue';
export * from './error-codes';
export * from './error-envelope';
export * from './to-app-error';
export * from './all-exceptions.filter';
