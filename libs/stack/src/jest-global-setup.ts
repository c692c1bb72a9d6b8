// Jest globalSetup (see the root jest.config.js): one infra check per jest run, before any worker starts
// (Redis, Postgres + pgvector and the S3 endpoint are started when they are down).
// jest gives globalSetup no moduleNameMapper, so the @storelens/* paths are registered here first.
import path from 'node:path';
import { register } from 'tsconfig-paths';

export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
  const unregister = register({ baseUrl: root, paths: compilerOptions.paths });
  try {
    // required only now: infra.ts imports @storelens/config, which resolves through the paths registered above
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ensureInfra } = require('./infra') as typeof import('./infra');
    await ensureInfra();
  } finally {
    unregister();
  }
}
