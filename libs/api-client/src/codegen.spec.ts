import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The client's types are what openapi-typescript makes of the published documents now (the documents themselves
// are checked against the code by each service's openapi.spec.ts). openapi-typescript loads ES modules that jest's
// CommonJS runtime cannot, so the check runs as the generator itself does, under tsx.
describe('the generated client types', () => {
  it('src/generated/*.ts are current (`npm run openapi` rewrites them)', () => {
    const root = path.resolve(__dirname, '../../..');
    const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(__dirname, 'codegen.ts'), '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect({ status: r.status, out: r.stdout.trim(), err: r.stderr.trim() }).toEqual({ status: 0, out: '', err: '' });
  });
});
