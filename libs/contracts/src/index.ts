export * from './domain';
export * from './events';
export * from './jobs';
export * from './queues';
