// What the in-process integration tests (deploy/e2e) start of this service; nothing shipped imports it.
export { ShoppersController } from './shoppers/shoppers.controller';
