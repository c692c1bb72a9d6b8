export * from './tokens';
export * from './platform.module';
export * from './auth';
export * from './metrics';
export * from './validation';
export * from './signing';
export * from './bootstrap';
export * from './jobs';
