export * from './stack';
export * from './supervisor';
export * from './url-secret';
