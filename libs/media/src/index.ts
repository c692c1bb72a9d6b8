export * from './video';
