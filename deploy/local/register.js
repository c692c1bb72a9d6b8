// Runs a TypeScript service in one Node process: `node -r ./deploy/local/register.js services/<name>/src/main.ts`.
// NestJS injects constructor dependencies by their emitted type metadata, which esbuild-based runners (tsx) do not
// emit, so services are transpiled by TypeScript itself (ts-node, transpile-only) with the path aliases resolved.
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.base.json') });
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
require('tsconfig-paths').register({ baseUrl: root, paths: compilerOptions.paths });
