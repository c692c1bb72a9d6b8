export * from './domain';
export * from './jobs';
export * from './queues';
export * from './text';
