export * from './types';
export * from './gallery';
export * from './face-pipeline';
export * from './video';
export * from './labels';
export * from './fixtures';
