// One jest run over every project so CI gets a single result; nx runs the same tests per project.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: '<rootDir>/jest.environment.js',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/deploy'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  // Starts Redis, Postgres and the S3 endpoint when they are down; three TCP probes when they are up.
  globalSetup: '<rootDir>/libs/stack/src/jest-global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
