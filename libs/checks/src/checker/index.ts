export { checkRequestFrom } from './check-request';
export { HTTP_CHECKER_OPTIONS, HttpChecker, type HttpCheckerOptions } from './http-checker';
export type { HostLookup } from './guarded-connector';
export { worstCaseCheckMs } from './retry-backoff';
