// The project boundaries are enforced by lint. Each planted import below is written as a file of the project it
// names, linted with the real eslint configuration and nx project graph (one eslint run), and removed again.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { uniqueTestId } from '@storelens/testing';

const ROOT = path.resolve(__dirname, '..');
const id = uniqueTestId();

interface Plant {
  /** the project folder the file is planted in, and its name ending */
  at: string;
  code: string;
  spec?: boolean;
}
const plants = {
  serviceUsesLibraries: {
    at: 'services/detection/src',
    code: `import { decodeImage } from '@storelens/vision';\nimport { FaceRepository } from '@storelens/db';\nimport { Metrics } from '@storelens/platform';\nexport const used = [decodeImage, FaceRepository, Metrics];\n`,
  },
  relativeIntoAnotherProject: {
    at: 'libs/cli/src',
    code: `import { renderReport } from '../../bench/src/report';\nexport const r = renderReport;\n`,
  },
  cliUsesBench: { at: 'libs/cli/src', code: `import { renderReport } from '@storelens/bench';\nexport const r = renderReport;\n` },
  serviceUsesService: {
    at: 'services/detection/src',
    code: `import { FaceEmbeddingService } from '@storelens/services/embedding';\nexport const s = FaceEmbeddingService;\n`,
  },
  dataUsesTestHelpers: {
    at: 'libs/db/src',
    code: `import { uniqueTestId } from '@storelens/testing';\nexport const u = uniqueTestId;\n`,
  },
  benchUsesTestHelpers: {
    at: 'libs/bench/src',
    code: `import { uniqueTestId } from '@storelens/testing';\nexport const u = uniqueTestId;\n`,
  },
  specUsesTestHelpers: {
    at: 'libs/db/src',
    spec: true,
    code: `import { uniqueTestId } from '@storelens/testing';\nexport const u = uniqueTestId;\n`,
  },
  coreUsesData: { at: 'libs/vision/src', code: `import { FaceRepository } from '@storelens/db';\nexport const r = FaceRepository;\n` },
  libraryReadsConfig: {
    at: 'libs/queue/src',
    code: `import { config } from '@storelens/config';\nexport const url = () => config().redis.url;\n`,
  },
  entryPointReadsConfig: {
    at: 'libs/cli/src',
    code: `import { config } from '@storelens/config';\nexport const url = () => config().redis.url;\n`,
  },
  shippedUsesTestSupport: {
    at: 'libs/db/src',
    code: `import { seedTenant } from './test-support';\nexport const s = seedTenant;\n`,
  },
} satisfies Record<string, Plant>;
type PlantName = keyof typeof plants;

const fileOf = (name: PlantName): string => {
  const p: Plant = plants[name];
  return path.join(ROOT, p.at, `planted-${name}-${id}${p.spec ? '.spec' : ''}.ts`);
};
const found = new Map<PlantName, string[]>();

beforeAll(() => {
  const names = Object.keys(plants) as PlantName[];
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  // the boundary rule reads nx's project graph (made before planting, so plants do not see each other);
  // without it the rule would skip silently
  execFileSync('npx', ['nx', 'show', 'projects'], { cwd: ROOT, env, stdio: 'ignore' });
  try {
    for (const n of names) writeFileSync(fileOf(n), plants[n].code);
    const run = spawnSync('npx', ['eslint', '--format', 'json', ...names.map(fileOf)], { cwd: ROOT, env, encoding: 'utf8' });
    const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    for (const n of names) {
      const r = results.find((x) => x.filePath === fileOf(n));
      found.set(n, (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`));
    }
  } finally {
    for (const n of names) rmSync(fileOf(n), { force: true });
  }
}, 240_000);

const problems = (name: PlantName) => (found.get(name) ?? ['not linted']).join('\n');

describe('project boundaries (lint)', () => {
  it('lets a service use core, data and platform libraries', () => {
    expect(problems('serviceUsesLibraries')).toBe('');
  });
  it('refuses a relative import into another project', () => {
    expect(problems('relativeIntoAnotherProject')).toMatch(/@nx\/enforce-module-boundaries/);
  });
  it('refuses the CLI depending on the benchmark', () => {
    expect(problems('cliUsesBench')).toMatch(/@nx\/enforce-module-boundaries/);
  });
  it('refuses a service reaching into another service', () => {
    expect(problems('serviceUsesService')).toMatch(/@nx\/enforce-module-boundaries/);
  });
  it('refuses shipped code and tooling leaning on test helpers, but lets a spec use them', () => {
    expect(problems('dataUsesTestHelpers')).toMatch(/@nx\/enforce-module-boundaries/);
    expect(problems('benchUsesTestHelpers')).toMatch(/@nx\/enforce-module-boundaries/);
    expect(problems('specUsesTestHelpers')).toBe('');
  });
  it('keeps the core free of data, platform and services', () => {
    expect(problems('coreUsesData')).toMatch(/@nx\/enforce-module-boundaries/);
  });
  it('keeps config() to entry points: a library takes its settings, the CLI reads them', () => {
    expect(problems('libraryReadsConfig')).toMatch(/no-restricted-imports: .*only entry points call config/);
    expect(problems('entryPointReadsConfig')).toBe('');
  });
  it('refuses shipped code importing the test helpers beside it', () => {
    expect(problems('shippedUsesTestSupport')).toMatch(/no-restricted-imports/);
  });
});
