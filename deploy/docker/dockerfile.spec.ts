/**
 * Docker cannot run on these machines, so the image is checked statically (the rules hadolint and a reviewer
 * would hold it to), and its build stage is rehearsed: the files it copies, and nothing else, hold every file
 * `npm run build` reads, and the entry points the image and compose run are the build's (deploy/e2e/compiled.spec.ts
 * builds them and runs them).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import { repoRoot } from '@storelens/config';
import { BUILD_TSCONFIG, buildEntryPoints } from '../build/build';

const ROOT = repoRoot();
const FILE = path.join(ROOT, 'deploy/docker/Dockerfile');

interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const [image, as, name] = i.getArguments().map((a) => a.getValue());
      out.push({ image, name: as?.toUpperCase() === 'AS' ? name : String(out.length), instructions: [] });
    } else out.at(-1)?.instructions.push(i);
  }
  return out;
}

const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const runs = (stage: Stage) => of(stage, 'RUN').map((i) => i.getArgumentsContent() ?? '');
const envOf = (stage: Stage) =>
  Object.fromEntries(
    of(stage, 'ENV').flatMap((i) =>
      i
        .getArgumentsContent()!
        .split(/\s+|\\\n/)
        .filter((kv) => kv.includes('='))
        .map((kv) => kv.split('=', 2) as [string, string]),
    ),
  );
/** COPY's source paths (all arguments but the last), and its --from stage if any. */
const copies = (stage: Stage) =>
  of(stage, 'COPY').map((i) => {
    const args = i.getArguments().map((a) => a.getValue());
    const from = (i as Copy).getFromFlag()?.getValue() ?? undefined;
    return { from, sources: args.slice(0, -1), dest: args.at(-1)! };
  });
/** The exec-form JSON array of CMD / ENTRYPOINT / HEALTHCHECK CMD. */
const execForm = (i: Instruction) => JSON.parse(/\[.*\]/s.exec(i.getArgumentsContent() ?? '')![0]) as string[];

describe('deploy/docker/Dockerfile', () => {
  const text = readFileSync(FILE, 'utf8');
  const all = stages(text);
  const buildStage = all.find((s) => s.name === 'build')!;
  const runtime = all.at(-1)!;

  it('is multi-stage: a build stage and a separate runtime stage', () => {
    expect(all.map((s) => s.name)).toEqual(['build', 'runtime']);
  });

  it('pins every base image to an exact version (no latest, no floating major)', () => {
    for (const s of all) expect(s.image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$/);
  });

  it('builds with every dependency and the onnxruntime download skipped, and does not set NODE_ENV before it', () => {
    expect(runs(buildStage).some((r) => /^npm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runs(buildStage)).toContain('npm run build');
    expect(envOf(buildStage).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
    expect(envOf(buildStage).NODE_ENV).toBeUndefined(); // NODE_ENV=production would make npm ci drop the compiler
  });

  it('runs with production dependencies only, the compiled output and nothing of the sources', () => {
    expect(runs(runtime).some((r) => /^npm ci --omit=dev\b/.test(r))).toBe(true);
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', ONNXRUNTIME_NODE_INSTALL: 'skip' });
    // two malloc arenas: libvips' threads otherwise leave each image's freed pixels in arenas of their own (RSS grows)
    expect(envOf(runtime).MALLOC_ARENA_MAX).toBe('2');
    const c = copies(runtime);
    expect(c).toContainEqual({ from: 'build', sources: ['/app/dist'], dest: './dist' });
    const fromContext = c.filter((x) => !x.from).flatMap((x) => x.sources);
    expect(fromContext.filter((src) => /^(libs|services|deploy|tsconfig)/.test(src))).toEqual([]);
  });

  it('runs as a non-root user and has a health check', () => {
    const users = of(runtime, 'USER').map((i) => i.getArgumentsContent());
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const health = of(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(execForm(health[0]).join(' ')).toContain('/health');
  });

  it('keeps secrets out of the image: no password, secret, token or key in ENV or ARG', () => {
    for (const s of all) {
      const names = [
        ...Object.keys(envOf(s)),
        ...of(s, 'ARG').map((i) => (i.getArgumentsContent() ?? '').split('=')[0]),
      ];
      expect(names.filter((n) => /SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ADMIN_KEY|ACCESS_KEY|PRIVATE/i.test(n))).toEqual(
        [],
      );
    }
    expect(text).not.toMatch(/slk_[A-Za-z0-9]/);
  });

  it('copies only paths that exist and that .dockerignore lets into the build context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
    for (const s of all)
      for (const c of copies(s).filter((x) => !x.from))
        for (const src of c.sources) {
          expect({ src, exists: existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
          expect(ignored.filter((pattern) => pattern.replace(/\/$/, '') === src.split('/')[0])).toEqual([]);
        }
  });

  it('starts a compiled entry point by default, with node as the entrypoint', () => {
    const entrypoint = execForm(of(runtime, 'ENTRYPOINT').at(-1)!);
    const cmd = execForm(of(runtime, 'CMD').at(-1)!);
    expect(entrypoint).toEqual(['node']);
    expect(buildEntryPoints(ROOT)).toContain(cmd[0]);
  });

  it('its build stage has every file the build reads, and the build makes every entry point compose runs', () => {
    // rehearse the build stage's context: only its COPY sources, plus the installed packages
    const ctx = mkdtempSync(path.join(tmpdir(), 'image-build-'));
    try {
      for (const c of copies(buildStage)) {
        for (const src of c.sources) {
          const dest =
            c.sources.length > 1 || c.dest.endsWith('/')
              ? path.join(ctx, c.dest, path.basename(src))
              : path.join(ctx, c.dest);
          cpSync(path.join(ROOT, src), dest, { recursive: true });
        }
      }
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(ctx, 'node_modules'), 'dir');
      // the files TypeScript reads for the build, there and here: the same list means nothing is missing
      const reads = (dir: string) =>
        execFileSync(
          process.execPath,
          [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', BUILD_TSCONFIG, '--listFilesOnly'],
          {
            cwd: dir,
            encoding: 'utf8',
          },
        )
          .split('\n')
          .filter((f) => f && !f.includes('/node_modules/'))
          .map((f) => path.relative(dir, f))
          .sort();
      const inImage = reads(ctx);
      expect(inImage).toEqual(reads(ROOT));
      expect(inImage.length).toBeGreaterThan(100);
      // `npm run build` itself
      const script = JSON.parse(readFileSync(path.join(ctx, 'package.json'), 'utf8')).scripts.build as string;
      expect(existsSync(path.join(ctx, script.replace(/^tsx /, '')))).toBe(true);
      // the build's entry points are in the context, and compose runs only those
      const entries = buildEntryPoints(ctx);
      for (const e of entries)
        expect(existsSync(path.join(ctx, e.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
      const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
      const commands = [...compose.matchAll(/command: \["(dist\/[^"]+)"/g)].map((m) => m[1]);
      expect(commands.length).toBeGreaterThanOrEqual(8);
      for (const c of commands) expect(entries).toContain(c);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
});
