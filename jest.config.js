/**
 * Three tiers: unit specs beside the code, repository specs (one repository against a real
 * database, no app), e2e suites against real servers.
 */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest'] };
// NestJS 12 ships ES modules only: jest's CommonJS loader needs them transpiled. Node 20.19
// loads them itself (require of ES modules).
const transformIgnorePatterns = ['/node_modules/(?!@nestjs/)'];

/** @type {import('jest').Config} */
module.exports = {
  // Each e2e file gets its own database; two workers match the two cores.
  maxWorkers: 2,
  // Generous: end-to-end tests start servers and processes; they wait on events, not clocks.
  testTimeout: 60000,
  transform,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
    {
      displayName: 'repository',
      rootDir: '.',
      testMatch: ['<rootDir>/test/repositories/**/*.repo-spec.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
  ],
};
