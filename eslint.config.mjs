import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Which project may import which, by the tag in its project.json. A reader knows their room from the tag: a
 * service never reaches into another service, shipped code never leans on test helpers or tooling, and the
 * core (contracts, config, the decision rule, vision, inference, media, the in-process pipeline) depends on
 * nothing but itself.
 */
const shipped = [
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:core', 'type:data', 'type:platform'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:core', 'type:data', 'type:platform'] },
  { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:core', 'type:data'] },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:core', 'type:client'] },
  // the CLI, eval, bench and the stack runner are run by people: never on test helpers
  {
    sourceTag: 'type:tooling',
    onlyDependOnLibsWithTags: ['type:core', 'type:data', 'type:platform', 'type:client', 'type:tooling'],
  },
  // the benchmark measures the product; nothing else (the CLI above all) depends on it
  { sourceTag: '*', notDependOnLibsWithTags: ['scope:measure'] },
  {
    sourceTag: 'type:test',
    onlyDependOnLibsWithTags: ['type:core', 'type:data', 'type:platform', 'type:client', 'type:tooling', 'type:test'],
  },
];
/** Tests (and the helpers only tests import) may also use the test libraries, whatever project they sit in. */
const inTests = shipped.map((c) =>
  c.onlyDependOnLibsWithTags
    ? { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:test'])] }
    : c,
);
const TEST_FILES = ['**/*.spec.ts', '**/test-support.ts', '**/testing/**', 'deploy/e2e/**'];

const boundaries = (depConstraints, allow = []) => ({
  '@nx/enforce-module-boundaries': [
    'error',
    { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, allow, depConstraints },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'tmp', 'out', '.nx', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...nx.configs['flat/base'],
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through @storelens/config.',
        },
      ],
      ...boundaries(shipped),
      // shipped code never imports the test helpers that sit beside it
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test-support', '**/testing/*'], message: 'Test helpers are for tests only.' }] },
      ],
    },
  },
  // the dashboard's page is a client of the public API: it reads the API's own bodies, generated from OpenAPI
  {
    files: ['libs/dashboard/src/web/**'],
    rules: {
      ...boundaries(
        shipped.map((c) =>
          c.sourceTag === 'type:platform'
            ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:client'] }
            : c,
        ),
      ),
    },
  },
  {
    files: TEST_FILES,
    // the in-process integration suite (deploy/e2e) starts the workers of several services side by side
    rules: { ...boundaries(inTests, ['@storelens/services/*']), 'no-restricted-imports': 'off' },
  },
  // Configuration is read once, by the program that runs: a service's main.ts, the gateway, the migration runner and
  // the tools (CLI, bench, the stack runner). Every library and service module receives it (Nest's CONFIG, or a
  // parameter) instead of calling config() itself.
  {
    files: ['libs/**/*.ts', 'services/**/*.ts'],
    ignores: [
      'libs/config/**',
      'libs/cli/**',
      'libs/bench/**',
      'libs/stack/**',
      'libs/db/src/migrate.ts',
      'services/*/src/main.ts',
      'services/gateway/src/gateway.ts',
      ...TEST_FILES,
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/test-support', '**/testing/*'], message: 'Test helpers are for tests only.' }],
          paths: [
            {
              name: '@storelens/config',
              importNames: ['config'],
              message: 'Take the configuration as a parameter or inject CONFIG; only entry points call config().',
            },
          ],
        },
      ],
    },
  },
  { files: ['libs/config/**', '**/*.spec.ts', 'deploy/**'], rules: { 'no-restricted-syntax': 'off' } },
  // tests read untyped JSON from the CLI and the API
  { files: ['**/*.spec.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
