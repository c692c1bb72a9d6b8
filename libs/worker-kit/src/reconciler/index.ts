export * from './reconciler-schedule';
export * from './reconciler.module';
export * from './work-reconciler';
