export * from './connection';
export * from './errors';
export * from './queue-worker';
export * from './queue-keys';
export * from './queue.service';
