import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@storelens/config';

/** Docker cannot run on these machines, so the compose file is validated statically against the compose schema. */
describe('docker-compose.yml', () => {
  const file = path.join(repoRoot(), 'docker-compose.yml');

  it('passes dclint (compose schema and its error rules)', () => {
    const out = execFileSync(path.join(repoRoot(), 'node_modules/.bin/dclint'), ['-q', '--color', 'false', file], { encoding: 'utf8' });
    expect(out.trim()).toBe('');
  });

  it('runs every service compiled, from the one image, with the real MinIO, Redis and a pgvector Postgres', () => {
    const text = readFileSync(file, 'utf8');
    for (const s of ['ingest', 'detection', 'embedding', 'attribute', 'classification', 'analytics']) {
      expect(text).toContain(`command: ["dist/services/${s}/src/main.js"]`);
    }
    expect(text).toContain('command: ["dist/libs/db/src/migrate.js", "up"]');
    expect(text).toContain('command: ["dist/services/gateway/src/gateway.js"]');
    expect(text).toMatch(/image: pgvector\/pgvector:pg\d+/);
    expect(text).toMatch(/image: minio\/minio:RELEASE/);
    expect(text).toMatch(/noeviction/);
    expect(text).toContain('dockerfile: deploy/docker/Dockerfile');
  });
});
