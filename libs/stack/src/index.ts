export * from './stack';
export * from './infra';
export * from './names';
export * from './scratch-database';
export * from './rtsp-source';
export * from './supervisor';
export * from './url-secret';
