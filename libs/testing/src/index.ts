export * from './bad-inputs';
export * from './fixtures';
export * from './wait';
// scratch databases, unique names and the backing services live with the stack runner (the bench uses them too)
export { createTestDatabase, dropTestDatabase, ensureInfra, uniqueTestId, type TestDatabase } from '@storelens/stack';
export * from './unit';
export * from './live';
