import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

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

function build(): Map<string, DashboardAsset> {
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
  const echarts = require.resolve('echarts/dist/echarts.min.js');
  return new Map<string, DashboardAsset>([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(path.join(WEB, 'index.html')) }],
    [
      '/dashboard/app.js',
      { type: 'text/javascript; charset=utf-8', body: Buffer.from(bundle.outputFiles[0]!.contents) },
    ],
    ['/dashboard/app.css', { type: 'text/css; charset=utf-8', body: readFileSync(path.join(WEB, 'styles.css')) }],
    ['/dashboard/echarts.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(echarts) }],
  ]);
}

/** The asset at a path (`/`, `/dashboard/app.js`, …), or undefined. */
export function dashboardAsset(urlPath: string): DashboardAsset | undefined {
  cached ??= build();
  return cached.get(urlPath);
}
