// Jest globalSetup (see the root jest.config.js): one infra check per jest run, before any worker starts.
import { ensureInfra } from './infra';

export default async function globalSetup(): Promise<void> {
  await ensureInfra();
}
