export * from './api-key';
export * from './data-source';
export * from './entities';
export * from './migrations';
export { preparedRows } from './prepared';
export * from './repositories';
export * from './reporting';
export * from './vector-search';
