export * from './domain';
export * from './jobs';
export * from './queues';
export * from './events';
export * from './text';
