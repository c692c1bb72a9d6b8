/**
 * `npm run build`: compiles every service, the gateway and the migration runner, with everything they import, to
 * JavaScript in dist/ (TypeScript itself, so NestJS gets its decorator metadata), then points each
 * `require("@storelens/<lib>")` at the compiled library by a relative path.
 *
 * Why rewrite instead of a runtime resolver: the output is plain Node. `node dist/services/<name>/src/main.js`
 * runs with no loader hook, no tsconfig and no path-mapping package at run time, in the image and locally alike.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DASHBOARD_STATIC_FILES } from '@storelens/dashboard';
import { bundleDashboard } from '@storelens/dashboard/dev-bundle';

export const BUILD_TSCONFIG = 'tsconfig.build.json';
export const OUT_DIR = 'dist';

/** `@storelens/<lib>` -> the compiled file it names, relative to the output root (e.g. libs/config/src/index.js). */
export function aliasTargets(root: string): Record<string, string> {
  const base = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return Object.fromEntries(
    Object.entries(base.compilerOptions.paths).map(([alias, [target]]) => [alias, target.replace(/\.ts$/, '.js')]),
  );
}

/** What the build makes runnable: `dist/<entry>.js` for each root file of tsconfig.build.json. */
export function buildEntryPoints(root: string): string[] {
  const cfg = JSON.parse(readFileSync(path.join(root, BUILD_TSCONFIG), 'utf8')) as { files: string[] };
  return cfg.files.map((f) => `${OUT_DIR}/${f.replace(/\.ts$/, '.js')}`);
}

const REQUIRE = /require\((["'])(@storelens\/[A-Za-z0-9_/-]+)\1\)/g;

/**
 * Rewrites the path-alias requires of one compiled file (at `file`, relative to the output root) to relative
 * requires. An alias with no target is an error: the build must not ship a require that cannot resolve.
 */
export function rewriteAliases(code: string, file: string, targets: Record<string, string>): string {
  return code.replace(REQUIRE, (_m, quote: string, alias: string) => {
    const target = targets[alias];
    if (!target) throw new Error(`${file}: no path for ${alias} in tsconfig.base.json`);
    let rel = path.posix.relative(path.posix.dirname(file), target);
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `require(${quote}${rel}${quote})`;
  });
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? jsFiles(path.join(dir, d.name)) : d.name.endsWith('.js') ? [path.join(dir, d.name)] : [],
  );
}

/** Compiles into a clean `<root>/dist` (no file of a removed source left behind) and rewrites the aliases. */
export function build(root: string): string[] {
  rmSync(path.join(root, OUT_DIR), { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', BUILD_TSCONFIG], {
    cwd: root,
    stdio: 'inherit',
  });
  const out = path.join(root, OUT_DIR);
  const targets = aliasTargets(root);
  const files = jsFiles(out);
  for (const f of files) {
    const rel = path.relative(out, f).split(path.sep).join('/');
    const code = readFileSync(f, 'utf8');
    const rewritten = rewriteAliases(code, rel, targets);
    if (rewritten !== code) writeFileSync(f, rewritten);
  }
  // the dashboard the gateway serves: its page, style sheet and icon, and its browser code bundled now
  const web = path.join(out, 'libs/dashboard/src/web');
  mkdirSync(web, { recursive: true });
  for (const name of DASHBOARD_STATIC_FILES)
    copyFileSync(path.join(root, 'libs/dashboard/src/web', name), path.join(web, name));
  writeFileSync(path.join(web, 'app.js'), bundleDashboard());
  return files;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '../..');
  const started = Date.now();
  const files = build(root);
  console.log(`built ${files.length} files into ${OUT_DIR}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
