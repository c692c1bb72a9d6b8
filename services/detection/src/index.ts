// What the in-process integration tests (deploy/e2e) start of this service; nothing shipped imports it.
export * from './detection.module';
export * from './face-detection.service';
