export * from './types';
export * from './geometry';
export * from './letterbox';
export * from './align';
export * from './crop';
export * from './decode';
export * from './annotate';
export * from './synthetic';
