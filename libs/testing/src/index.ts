export * from './bad-inputs';
export * from './database';
export * from './infra';
export * from './names';
export * from './wait';
export * from './live';
