// Runs a TypeScript service in one Node process: `node -r ./deploy/local/register.js services/<name>/src/main.ts`.
// NestJS injects constructor dependencies by their emitted type metadata, which esbuild-based runners (tsx) do not
// emit, so services are transpiled by TypeScript itself (ts-node, transpile-only) with the path aliases resolved.
//
// ts-node loads its REPL module at start-up, and with it Node's `repl`, which loads `domain`. A loaded `domain` wraps
// every callback, timer and event emitter of the process and turns on a promise hook for every promise: the local
// stack then ran slower than the same code built and run as plain JavaScript (the images, `npm run build`). Nothing
// here starts a REPL, so ts-node gets an empty `repl` and the process keeps its hooks off.
const path = require('node:path');
const Module = require('node:module');
const root = path.resolve(__dirname, '../..');
const load = Module._load;
Module._load = function loadWithoutRepl(request, parent, isMain) {
  if (request === 'repl' && /[\\/]ts-node[\\/]dist[\\/]repl\.js$/.test(parent?.filename ?? '')) return {};
  return load.apply(this, arguments);
};
try {
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.base.json') });
} finally {
  Module._load = load;
}
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
require('tsconfig-paths').register({ baseUrl: root, paths: compilerOptions.paths });
