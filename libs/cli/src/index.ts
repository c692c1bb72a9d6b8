export * from './main';
export * from './api-client';
