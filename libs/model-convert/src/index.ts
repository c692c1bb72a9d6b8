export * from './onnx-graph';
export * from './tfjs-weights';
export * from './tf-ops';
export * from './faceapi/nets';
export * from './npm-source';
export * from './tfjs-graph';
