import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The dashboard as static files, built once per process: the browser code bundled by esbuild (in memory, no build
 * step to forget), the page and its style sheet, and ECharts from the project's own node_modules (no CDN: the
 * machines it runs on may have no internet). The gateway serves them at `/`.
 */
export interface DashboardAsset {
  type: string;
  body: Buffer;
}

const WEB = path.join(__dirname, 'web');

let cached: Map<string, DashboardAsset> | undefined;

/** The browser code bundled by esbuild (a development dependency: the compiled build bundles it ahead). */
export function bundleDashboard(): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  const bundle = buildSync({
    entryPoints: [path.join(WEB, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    logLevel: 'silent',
  });
  return Buffer.from(bundle.outputFiles[0]!.contents);
}

/** The files of web/ that are served as they are (the compiled build copies them beside its bundle). */
export const DASHBOARD_STATIC_FILES = ['index.html', 'styles.css', 'icon.svg'] as const;

function build(): Map<string, DashboardAsset> {
  // the compiled build (deploy/build) leaves the bundle beside the page: no bundler needed at run time
  const prebuilt = path.join(WEB, 'app.js');
  const script = existsSync(prebuilt) ? readFileSync(prebuilt) : bundleDashboard();
  const echarts = require.resolve('echarts/dist/echarts.min.js');
  return new Map<string, DashboardAsset>([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(path.join(WEB, 'index.html')) }],
    ['/dashboard/app.js', { type: 'text/javascript; charset=utf-8', body: script }],
    ['/dashboard/app.css', { type: 'text/css; charset=utf-8', body: readFileSync(path.join(WEB, 'styles.css')) }],
    ['/dashboard/icon.svg', { type: 'image/svg+xml', body: readFileSync(path.join(WEB, 'icon.svg')) }],
    ['/dashboard/echarts.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(echarts) }],
  ]);
}

/** The asset at a path (`/`, `/dashboard/app.js`, …), or undefined. */
export function dashboardAsset(urlPath: string): DashboardAsset | undefined {
  cached ??= build();
  return cached.get(urlPath);
}
