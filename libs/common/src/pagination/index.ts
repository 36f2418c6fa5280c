export * from './cursor-codec';
export * from './keyset';
export * from './offset-pagination';
export * from './page-links';
export * from './page-query.dto';
export * from './sort';
