export * from './created-location.decorator';
export * from './envelope.interceptor';
export * from './page';
