/** Three tiers (see README): unit specs beside the code, integration specs against real PostgreSQL/Redis, e2e suites in test/. */
const tsJest = [
  'ts-jest',
  {
    // Full programs (not isolated transpiling): the Swagger plugin needs type information.
    tsconfig: { isolatedModules: false },
    // TS151002 only says hybrid module kinds prefer isolatedModules, which the Swagger plugin cannot use.
    diagnostics: { ignoreCodes: [151002] },
    // The same Swagger plugin as `nest build`, so the OpenAPI document generated in tests matches the build's.
    astTransformers: { before: ['<rootDir>/test/support/swagger-plugin-transformer.js'] },
  },
];

const moduleNameMapper = {
  '^@vigil/migrations$': '<rootDir>/migrations',
  '^@vigil/(.*)$': '<rootDir>/libs/$1/src',
};

const base = { rootDir: __dirname, testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest }, moduleNameMapper, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  maxWorkers: 2,
  // A global option: Jest ignores testTimeout inside `projects`, so it is set here for every tier.
  testTimeout: 30000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
