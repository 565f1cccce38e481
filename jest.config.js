/**
 * One jest run for the whole repository: server-side packages in Node, the dashboard in jsdom.
 * Packages resolve to their TypeScript sources through the "source" export condition.
 */
const swc = (react) => [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: react },
      target: 'es2022',
      ...(react ? { transform: { react: { runtime: 'automatic' } } } : {}),
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  globalSetup: '<rootDir>/packages/testing/src/global-setup.ts',
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'node',
      testEnvironment: 'node',
      testEnvironmentOptions: { customExportConditions: ['source', 'node', 'require', 'default'] },
      roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/infra'],
      testMatch: ['**/src/**/*.test.ts', '**/e2e/**/*.test.ts', '**/infra/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/web/src/'],
      transform: { '^.+\\.tsx?$': swc(false) },
    },
    {
      displayName: 'web',
      testEnvironment: '<rootDir>/apps/web/src/test/environment.js',
      testEnvironmentOptions: { customExportConditions: ['source', 'browser', 'require', 'default'] },
      roots: ['<rootDir>/apps/web'],
      testMatch: ['**/src/**/*.test.ts', '**/src/**/*.test.tsx'],
      transform: { '^.+\\.tsx?$': swc(true) },
      moduleNameMapper: {
        '\\.css$': '<rootDir>/apps/web/src/test/style-stub.ts',
        // jsdom has no canvas: charts render as a summary of their data (the browser test draws them for real).
        '^react-chartjs-2$': '<rootDir>/apps/web/src/test/chart-stub.tsx',
      },
      setupFilesAfterEnv: ['<rootDir>/apps/web/src/test/setup.ts'],
    },
  ],
};
