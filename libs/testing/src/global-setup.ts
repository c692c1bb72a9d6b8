// Jest globalSetup (see the root jest.config.js): one infra check per jest run, before any worker starts.
// jest gives globalSetup no moduleNameMapper, so the @storelens/* paths are registered here first.
import path from 'node:path';
import { register } from 'tsconfig-paths';

export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
  const unregister = register({ baseUrl: root, paths: compilerOptions.paths });
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ensureInfra } = require('@storelens/stack') as typeof import('@storelens/stack');
    await ensureInfra();
  } finally {
    unregister();
  }
}
