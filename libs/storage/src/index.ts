export * from './keys';
export * from './object-store';
