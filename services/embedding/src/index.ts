// What the in-process integration tests (deploy/e2e) start of this service; nothing shipped imports it.
export * from './embedding.module';
export * from './face-embedding.service';
