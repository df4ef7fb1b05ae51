/** Unit specs sit beside the code; e2e suites live in test/e2e and share one embedded database per run. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  transform: { '^.+\\.(t|j)sx?$': swc },
  // ESM-only packages Jest must compile (content-disposition and cookie are pinned to CommonJS versions for Node 20).
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|file-type)/)'],
  moduleNameMapper: { '^@app/common(.*)$': '<rootDir>/libs/common/src$1' },
  testEnvironment: 'node',
};

module.exports = {
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
