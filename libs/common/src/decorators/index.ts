export * from './current-principal.decorator';
export * from './public.decorator';
export * from './raw-response.decorator';
export * from './roles.decorator';
export * from './api-page-response.decorator';
