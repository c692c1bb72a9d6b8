// What the in-process integration tests (deploy/e2e) start of this service; nothing shipped imports it.
export * from './classification.module';
export * from './face-classification.service';
export * from './identity-enrolment.service';
