import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The dashboard as static files, built once per process: the browser code (bundled by esbuild in memory when running
 * from the sources, no build step to forget; bundled ahead by the compiled build), the page and its style sheet, and ECharts from the project's own node_modules (no CDN: the
 * machines it runs on may have no internet). The gateway serves them at `/`.
 */
export interface DashboardAsset {
  type: string;
  body: Buffer;
}

const WEB = path.join(__dirname, 'web');

let cached: Map<string, DashboardAsset> | undefined;

/**
 * The browser code bundled now (running from the sources). Loaded by a computed path so that the compiled build,
 * which writes the bundle ahead (deploy/build), contains neither the bundler module nor a need for esbuild.
 */
function bundleNow(): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dev = require(path.join(__dirname, 'dev-bundle')) as { bundleDashboard(): Buffer };
  return dev.bundleDashboard();
}

/** The files of web/ that are served as they are (the compiled build copies them beside its bundle). */
export const DASHBOARD_STATIC_FILES = ['index.html', 'styles.css', 'icon.svg'] as const;

function build(): Map<string, DashboardAsset> {
  // the compiled build (deploy/build) leaves the bundle beside the page: no bundler needed at run time
  const prebuilt = path.join(WEB, 'app.js');
  const script = existsSync(prebuilt) ? readFileSync(prebuilt) : bundleNow();
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
