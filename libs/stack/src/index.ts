export * from './stack';
export * from './rtsp-source';
