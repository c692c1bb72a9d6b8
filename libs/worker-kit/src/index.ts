export * from './face-crops';
export * from './failures';
export * from './models';
export * from './queue-consumer';
export * from './worker-kit.module';
export * from './reconciler';
