export * from './main';
export * from './event-stream';
export * from './commands/store-day';
