import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * The dashboard's browser code bundled by esbuild, in memory: what the gateway serves when it runs from the
 * sources, and what the compiled build writes beside the page (deploy/build). esbuild is a development dependency:
 * no import in shipped code reaches this file, so the compiled build neither contains it nor needs esbuild.
 */
export function bundleDashboard(): Buffer {
  const bundle = buildSync({
    entryPoints: [path.join(__dirname, 'web', 'main.ts')],
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
