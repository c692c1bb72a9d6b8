export * from './peer/human-peer';
export * from './types';
export * from './registry';
export * from './images';
export * from './run-bench';
export * from './report';
export * from './command';
export * from './analytics/analytics-bench';
