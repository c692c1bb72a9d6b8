export * from './camera.repository';
export * from './embedding.repository';
export * from './face.repository';
export * from './frame.repository';
export * from './identity.repository';
export * from './media.repository';
export * from './store.repository';
export * from './tenant.repository';
