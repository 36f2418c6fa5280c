export * from './api-key-throttler.guard';
export * from './resilient-throttler.storage';
export * from './rate-limit-verdict';
export * from './upgrade-rate-limiter';
