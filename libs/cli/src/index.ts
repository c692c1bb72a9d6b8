export * from './main';
export * from './event-stream';
