// What the in-process integration tests (deploy/e2e) start of this service; nothing shipped imports it.
export * from './attribute.module';
export * from './face-attributes.service';
