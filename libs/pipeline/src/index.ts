export * from './types';
export * from './gallery';
export * from './face-pipeline';
export * from './labels';
export * from './read-ahead';
