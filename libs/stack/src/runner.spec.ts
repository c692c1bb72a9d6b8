import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@storelens/config';

// The local stack runs each service's TypeScript through deploy/local/register.js (ts-node). Loading Node's `domain`
// (ts-node's REPL pulls it in) wraps every callback and turns on a promise hook for every promise: the services would
// run slower here than built as plain JavaScript in the images.
describe('the local service runner', () => {
  it('loads every service without Node’s domain or REPL modules, so no promise hook runs', () => {
    const root = repoRoot();
    const script = `
      for (const s of ['ingest', 'analytics', 'detection', 'embedding', 'attribute', 'classification'])
        require('./services/' + s + '/src/' + s + '.module.ts');
      require('./services/gateway/src/gateway.ts');
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (domain|repl)$/.test(m))));`;
    const out = execFileSync(process.execPath, ['-r', path.join(root, 'deploy/local/register.js'), '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([]);
  }, 60_000);
});
